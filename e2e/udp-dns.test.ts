/**
 * A real DNS server (dnsmasq) asked with a real client (dig) through a udp proxy of a `faultline
 * serve` process, made and given toxics through its admin API: answers pass, a partition makes dig
 * time out and removal heals, and duplicated answers reach dig.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig, startDnsmasq, type DnsServer } from './helpers/dnsmasq.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, type Api } from './helpers/http.js';
import { freePort } from './helpers/net.js';

const NAME = 'app.faultline.test';
const ADDRESS = '10.1.2.3';

let dns: DnsServer;
let faultline: FaultlineProcess;
let client: Api;
let proxyPort: number;

interface FlowJson {
  datagrams: Record<'upstream' | 'downstream', { sent: number; duplicated: number }>;
}

/** The datagrams of every flow of the proxy, summed per direction. */
async function flowTotals(direction: 'upstream' | 'downstream', count: 'sent' | 'duplicated'): Promise<number> {
  const flows = (await client.get('/proxies/dns/connections')).json as FlowJson[];
  return flows.reduce((sum, flow) => sum + flow.datagrams[direction][count], 0);
}

async function addToxic(body: Record<string, unknown>): Promise<void> {
  const res = await client.post('/proxies/dns/toxics', body);
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  dns = await startDnsmasq({ [NAME]: ADDRESS });
  faultline = await startFaultline(['serve', '--port', '0', '--seed', '19']);
  client = api(faultline.url);
  const created = await client.post('/proxies', { name: 'dns', listen: '127.0.0.1:0', upstream: dns.address, protocol: 'udp' });
  expect(created.status).toBe(201);
  proxyPort = Number((created.json as { listen: string }).listen.split(':')[1]);
});

afterAll(async () => {
  await faultline?.stop();
  await dns?.stop();
});

describe('dnsmasq and dig through a udp proxy', () => {
  it('answers pass through the proxy without toxics', async () => {
    const result = await dig(proxyPort, [NAME], { short: true });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(ADDRESS);
    expect(await flowTotals('downstream', 'sent')).toBeGreaterThan(0);
  });

  it('a partition upstream makes dig time out; removal heals', async () => {
    await addToxic({ name: 'cut', type: 'partition', stream: 'upstream' });
    try {
      const cut = await dig(proxyPort, [NAME], { timeoutSeconds: 1 });
      expect(cut.code).toBe(9);
      expect(cut.stdout).toMatch(/timed out|no servers could be reached/);
    } finally {
      await client.delete('/proxies/dns/toxics/cut');
    }
    const healed = await dig(proxyPort, [NAME], { short: true });
    expect(healed.stdout.trim()).toBe(ADDRESS);
  });

  it('duplicate 1.0 gives duplicate answers that dig notices', async () => {
    // Each copy of an answer gets its own delay, so the second copy of one answer reaches dig while
    // it waits for the next query's: every query of the run leaves from one port, so one flow.
    await addToxic({ name: 'dup', type: 'duplicate', stream: 'downstream', attributes: { rate: 1 } });
    await addToxic({ name: 'spread', type: 'latency', stream: 'downstream', attributes: { latency: 300, jitter: 250, reorder: true } });
    try {
      const result = await dig(proxyPort, [NAME, NAME, NAME, NAME], { sourcePort: await freePort(), timeoutSeconds: 3 });
      expect(result.code).toBe(0);
      expect(result.stdout.match(/ANSWER SECTION/g)).toHaveLength(4);
      expect(result.stdout).toMatch(/Warning: ID mismatch: expected ID \d+, got \d+/);
      expect(await flowTotals('downstream', 'duplicated')).toBeGreaterThanOrEqual(4);
    } finally {
      await client.delete('/proxies/dns/toxics/dup');
      await client.delete('/proxies/dns/toxics/spread');
    }
  });
});
