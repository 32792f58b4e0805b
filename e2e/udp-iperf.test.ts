/**
 * iperf3 -u through the UDP relay. iperf3 keeps its control connection on TCP and sends its
 * datagrams on UDP, to the same port: here a plain TCP forwarder (node:net) listens next to the
 * relay on one port (phase A: the relay is not yet a `faultline serve` proxy, where a tcp and a udp
 * proxy share the listen address). iperf3's own figures (lost datagrams, jitter) are the measure.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUdpRelay, type UdpRelay } from '../src/udp/relay.js';
import { findBinary } from './helpers/binaries.js';
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
let relay: UdpRelay;
let forwarder: Server;
let port: number;

/** A TCP forwarder on `listenPort` to `targetPort`, for iperf3's control connection. */
function tcpForwarder(listenPort: number, targetPort: number): Promise<Server> {
  const s = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(listenPort, '127.0.0.1', () => resolve(s));
  });
}

/** One iperf3 -u test of `packets` datagrams of `length` bytes at `rate` through the relay. */
function iperfUdp(packets: number, rate: string, length = 1400): Promise<UdpReport> {
  const args = ['-c', '127.0.0.1', '-p', String(port), '-u', '-b', rate, '-l', String(length), '-k', String(packets), '-J'];
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
  // The UDP relay takes a free port; the TCP forwarder takes the same one (tried again if TCP's is taken).
  for (let attempt = 0; ; attempt++) {
    relay = await startUdpRelay({ name: 'iperf', listen: '127.0.0.1:0', upstream: `127.0.0.1:${serverPort}`, seed: 'iperf' });
    port = Number((relay.address() as string).split(':')[1]);
    try {
      forwarder = await tcpForwarder(port, serverPort);
      break;
    } catch (err) {
      await relay.close();
      if (attempt === 5) throw err;
    }
  }
});

afterEach(() => {
  for (const toxic of relay.toxics()) relay.removeToxic(toxic.name);
});

afterAll(async () => {
  await relay?.close();
  await new Promise((resolve) => (forwarder ? forwarder.close(resolve) : resolve(undefined)));
  server?.kill('SIGTERM');
});

describe('iperf3 -u through the UDP relay', () => {
  it('loses under 0.5 % without a toxic, at a rate the machine sustains', async () => {
    const report = await iperfUdp(5000, '10M');
    expect(report.packets).toBe(5000);
    expect(report.lost_percent).toBeLessThan(0.5);
  });

  it('loss 0.05 upstream: iperf3 counts 4–6 % lost over 20,000 datagrams', async () => {
    relay.addToxic({ type: 'loss', stream: 'upstream', attributes: { rate: 0.05 } });
    const report = await iperfUdp(20_000, '10M');
    expect(report.packets).toBe(20_000);
    expect(report.lost_percent).toBeGreaterThan(4);
    expect(report.lost_percent).toBeLessThan(6);
  });

  it('latency with jitter upstream: iperf3 jitter figure rises accordingly', async () => {
    const calm = await iperfUdp(300, '1M');
    // Uniform ±20 ms, each datagram on its own: consecutive transit times differ by 13.3 ms on average.
    relay.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 50, jitter: 20, reorder: true } });
    const jittery = await iperfUdp(300, '1M');
    expect(jittery.lost_percent).toBeLessThan(1);
    expect(jittery.jitter_ms).toBeGreaterThan(calm.jitter_ms + 6);
  });
});
