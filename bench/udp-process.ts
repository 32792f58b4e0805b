/**
 * The processes of the UDP bench (`bench/udp.ts`), one role each, driven over IPC:
 * - `echo`: a UDP echo server, the upstream;
 * - `relay bare`: a bare Node dgram relay (a connected socket per client, nothing else), the baseline;
 * - `relay faultline [toxics]`: Faultline's {@link UdpRelay}, without toxics or with latency 0 both ways;
 * - `load`: the load generator, closed loop (a window of datagrams in flight per client socket), and
 *   the maker of many flows (a socket per flow, one round trip each, closed after).
 * @module
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { startUdpRelay } from '../src/udp/relay.js';

type Reply = (message: Record<string, unknown>) => void;
const reply: Reply = (message) => process.send?.(message);

function bind(socket: Socket): Promise<number> {
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
}

/** RSS and heap after a full collection (the child runs with --expose-gc). */
function memory(): { rss: number; heapUsed: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

async function echo(): Promise<void> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
  reply({ ready: true, port: await bind(socket) });
}

/** The baseline: what a careful few lines of Node do, with the same socket buffers as Faultline's relay. */
async function bareRelay(upstreamPort: number): Promise<void> {
  const options = { type: 'udp4' as const, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 };
  const listener = createSocket(options);
  const flows = new Map<string, { socket: Socket; pending: Buffer[] | null }>();
  listener.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const key = `${rinfo.address} ${rinfo.port}`;
    const flow = flows.get(key);
    if (flow) {
      if (flow.pending) flow.pending.push(msg);
      else flow.socket.send(msg);
      return;
    }
    const upstream = createSocket(options);
    const created = { socket: upstream, pending: [msg] as Buffer[] | null };
    upstream.on('message', (answer: Buffer) => listener.send(answer, rinfo.port, rinfo.address));
    upstream.on('error', () => {});
    upstream.connect(upstreamPort, '127.0.0.1', () => {
      for (const queued of created.pending ?? []) upstream.send(queued);
      created.pending = null;
    });
    flows.set(key, created);
  });
  reply({ ready: true, port: await bind(listener) });
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'memory') reply({ ...memory(), flows: flows.size });
  });
}

async function faultlineRelay(upstreamPort: number, toxics: boolean): Promise<void> {
  const relay = await startUdpRelay({ name: 'bench', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}`, seed: 'bench' });
  if (toxics) {
    relay.addToxic({ name: 'up', type: 'latency', stream: 'upstream', attributes: { latency: 0 } });
    relay.addToxic({ name: 'down', type: 'latency', stream: 'downstream', attributes: { latency: 0 } });
  }
  reply({ ready: true, port: Number((relay.address() as string).split(':')[1]) });
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'memory') reply({ ...memory(), flows: relay.stats().flows });
  });
}

/** Closed loop: `sockets` clients keep `window` datagrams of `size` bytes in flight each; counts echoes. */
async function throughput(port: number, sockets: number, window: number, size: number, warmupMs: number, ms: number): Promise<void> {
  const payload = Buffer.alloc(size, 1);
  let received = 0;
  const clients = await Promise.all(
    Array.from({ length: sockets }, async () => {
      const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
      const state = { socket, received: 0, seen: 0 };
      socket.on('message', () => {
        state.received++;
        received++;
        socket.send(payload, port, '127.0.0.1');
      });
      await bind(socket);
      return state;
    }),
  );
  const fill = (c: (typeof clients)[number]) => {
    for (let i = 0; i < window; i++) c.socket.send(payload, port, '127.0.0.1');
  };
  clients.forEach(fill);
  // A datagram lost on the way shrinks the window: a client that heard nothing for a tick is refilled.
  const refill = setInterval(() => {
    for (const c of clients) {
      if (c.received === c.seen) fill(c);
      c.seen = c.received;
    }
  }, 50);
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const start = received;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const count = received - start;
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(refill);
  for (const c of clients) c.socket.close();
  reply({ done: true, perSecond: count / seconds });
}

/**
 * Makes `count` flows: a socket each (so a port of its own), one datagram and its echo (or 1 s),
 * `batch` at a time. The sockets stay open, so no port is reused, until the driver says `close`.
 */
async function makeFlows(port: number, count: number, batch: number): Promise<void> {
  let answered = 0;
  const sockets: Socket[] = [];
  for (let made = 0; made < count; made += batch) {
    const n = Math.min(batch, count - made);
    await Promise.all(
      Array.from({ length: n }, async () => {
        const socket = createSocket('udp4');
        sockets.push(socket);
        await bind(socket);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          socket.once('message', () => {
            answered++;
            clearTimeout(timer);
            resolve();
          });
          socket.send('flow', port, '127.0.0.1');
        });
      }),
    );
  }
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd !== 'close') return;
    for (const socket of sockets) socket.close();
    reply({ closed: true });
  });
  reply({ done: true, answered });
}

const [role, ...args] = process.argv.slice(2);
const num = (i: number) => Number(args[i]);
switch (role) {
  case 'echo':
    await echo();
    break;
  case 'relay':
    if (args[0] === 'bare') await bareRelay(num(1));
    else await faultlineRelay(num(1), args[2] === 'latency0');
    break;
  case 'load':
    await throughput(num(0), num(1), num(2), num(3), num(4), num(5));
    break;
  case 'flows':
    await makeFlows(num(0), num(1), num(2));
    break;
  default:
    throw new Error(`unknown role ${String(role)}`);
}
