/**
 * iperf3 -u through a pair of Faultline proxies on one listen address, made through the admin API of
 * a `faultline serve` process: a tcp proxy for iperf3's control connection and a udp proxy for its
 * datagrams (TCP and UDP ports are separate, so both listen on the same port). iperf3's own figures
 * (lost datagrams, jitter) are the measure.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findBinary } from './helpers/binaries.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, type Api } from './helpers/http.js';
import { canConnect, freePort } from './helpers/net.js';

interface UdpReport {
  packets: number;
  lost_packets: number;
  lost_percent: number;
  jitter_ms: number;
}

let iperf3: string;
let server: ChildProcess;
let serverPort: number;
let faultline: FaultlineProcess;
let client: Api;
let port: number;

/**
 * One iperf3 -u test of `packets` datagrams of `length` bytes at `rate` through the proxies. Both
 * iperf3 ends take 4 MiB socket buffers (`-w`), as the udp proxy does: on a machine whose cores are
 * busy, a proxy that was not scheduled for a while sends what it held in one burst, which overflows
 * the default 208 KiB of the iperf3 server's socket and shows as loss that is not the proxy's.
 */
function iperfUdp(packets: number, rate: string, length = 1400): Promise<UdpReport> {
  const args = ['-c', '127.0.0.1', '-p', String(port), '-u', '-b', rate, '-l', String(length), '-k', String(packets), '-w', '4M', '-J'];
  return new Promise((resolve, reject) => {
    execFile(iperf3, args, { timeout: 90_000, maxBuffer: 16 * 2 ** 20 }, (err, stdout) => {
      try {
        const report = JSON.parse(stdout) as { error?: string; end?: { sum?: UdpReport } };
        if (report.error || !report.end?.sum) throw new Error(report.error ?? 'no summary');
        resolve(report.end.sum);
      } catch (parseError) {
        reject(new Error(`iperf3 failed: ${String(err ?? parseError)}: ${stdout.slice(0, 500)}`));
      }
    });
  });
}

beforeAll(async () => {
  iperf3 = findBinary('iperf3', 'iperf3');
  serverPort = await freePort();
  server = spawn(iperf3, ['-s', '-B', '127.0.0.1', '-p', String(serverPort)], { stdio: 'ignore' });
  process.once('exit', () => server.kill('SIGKILL'));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(serverPort))) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error('iperf3 -s did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  faultline = await startFaultline(['serve', '--port', '0', '--seed', '19']);
  client = api(faultline.url);
  const upstream = `127.0.0.1:${serverPort}`;
  // The udp proxy takes a free port; the tcp proxy takes the same one (tried again if TCP's is taken).
  for (let attempt = 0; ; attempt++) {
    const udp = await client.post('/proxies', { name: 'iperf_udp', listen: '127.0.0.1:0', upstream, protocol: 'udp' });
    expect(udp.status).toBe(201);
    const listen = (udp.json as { listen: string }).listen;
    const tcp = await client.post('/proxies', { name: 'iperf_tcp', listen, upstream });
    if (tcp.status === 201) {
      port = Number(listen.split(':')[1]);
      break;
    }
    await client.delete('/proxies/iperf_udp');
    if (attempt === 5) throw new Error(`no port free for TCP and UDP: ${tcp.text}`);
  }
});

afterEach(async () => {
  const proxy = (await client.get('/proxies/iperf_udp')).json as { toxics: Array<{ name: string }> };
  for (const toxic of proxy.toxics) await client.delete(`/proxies/iperf_udp/toxics/${toxic.name}`);
});

afterAll(async () => {
  await faultline?.stop();
  server?.kill('SIGTERM');
});

describe('iperf3 -u through a tcp and a udp proxy on one port', () => {
  it('loses under 0.5 % without a toxic, at a rate the machine sustains', async () => {
    const report = await iperfUdp(5000, '10M');
    expect(report.packets).toBe(5000);
    expect(report.lost_percent).toBeLessThan(0.5);
  });

  it('loss 0.05 upstream: iperf3 counts 4–6 % lost over 20,000 datagrams', async () => {
    const added = await client.post('/proxies/iperf_udp/toxics', { type: 'loss', stream: 'upstream', attributes: { rate: 0.05 } });
    expect(added.status).toBe(200);
    const report = await iperfUdp(20_000, '10M');
    expect(report.packets).toBe(20_000);
    expect(report.lost_percent).toBeGreaterThan(4);
    expect(report.lost_percent).toBeLessThan(6);
  });

  it('latency with jitter upstream: iperf3 jitter figure rises accordingly', async () => {
    const calm = await iperfUdp(300, '1M');
    // Uniform ±20 ms, each datagram on its own: consecutive transit times differ by 13.3 ms on average.
    const added = await client.post('/proxies/iperf_udp/toxics', {
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 50, jitter: 20, reorder: true },
    });
    expect(added.status).toBe(200);
    const jittery = await iperfUdp(300, '1M');
    expect(jittery.lost_percent).toBeLessThan(1);
    expect(jittery.jitter_ms).toBeGreaterThan(calm.jitter_ms + 6);
  });
});
