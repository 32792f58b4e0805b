/**
 * A real DNS server (dnsmasq) asked with a real client (dig) through the UDP relay: answers pass,
 * a partition makes dig time out and removal heals, and duplicated answers reach dig.
 * The relay runs in this process (phase A: it is not yet a proxy of `faultline serve`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUdpRelay, type UdpRelay } from '../src/udp/relay.js';
import { dig, startDnsmasq, type DnsServer } from './helpers/dnsmasq.js';
import { freePort } from './helpers/net.js';

const NAME = 'app.faultline.test';
const ADDRESS = '10.1.2.3';

let dns: DnsServer;
let relay: UdpRelay;
let relayPort: number;

beforeAll(async () => {
  dns = await startDnsmasq({ [NAME]: ADDRESS });
  relay = await startUdpRelay({ name: 'dns', listen: '127.0.0.1:0', upstream: dns.address, seed: 'dns' });
  relayPort = Number((relay.address() as string).split(':')[1]);
});

afterAll(async () => {
  await relay?.close();
  await dns?.stop();
});

describe('dnsmasq and dig through the UDP relay', () => {
  it('answers pass through the bare relay', async () => {
    const result = await dig(relayPort, [NAME], { short: true });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(ADDRESS);
    expect(relay.stats().counters.downstream.sent).toBeGreaterThan(0);
  });

  it('a partition upstream makes dig time out; removal heals', async () => {
    relay.addToxic({ name: 'cut', type: 'partition', stream: 'upstream' });
    try {
      const cut = await dig(relayPort, [NAME], { timeoutSeconds: 1 });
      expect(cut.code).toBe(9);
      expect(cut.stdout).toMatch(/timed out|no servers could be reached/);
    } finally {
      relay.removeToxic('cut');
    }
    const healed = await dig(relayPort, [NAME], { short: true });
    expect(healed.stdout.trim()).toBe(ADDRESS);
  });

  it('duplicate 1.0 gives duplicate answers that dig notices', async () => {
    // Each copy of an answer gets its own delay, so the second copy of one answer reaches dig while
    // it waits for the next query's: every query of the run leaves from one port, so one flow.
    relay.addToxic({ name: 'dup', type: 'duplicate', stream: 'downstream', attributes: { rate: 1 } });
    relay.addToxic({ name: 'spread', type: 'latency', stream: 'downstream', attributes: { latency: 300, jitter: 250, reorder: true } });
    try {
      const result = await dig(relayPort, [NAME, NAME, NAME, NAME], { sourcePort: await freePort(), timeoutSeconds: 3 });
      expect(result.code).toBe(0);
      expect(result.stdout.match(/ANSWER SECTION/g)).toHaveLength(4);
      expect(result.stdout).toMatch(/Warning: ID mismatch: expected ID \d+, got \d+/);
      expect(relay.stats().counters.downstream.duplicated).toBeGreaterThanOrEqual(4);
    } finally {
      relay.removeToxic('dup');
      relay.removeToxic('spread');
    }
  });
});
