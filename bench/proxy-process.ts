/**
 * The proxy under test, alone in its own process so it never shares an event loop with the load
 * generator or the upstream server. Started with `<upstream port> <ChildProxySpec JSON>`; runs either a
 * bare Node `pipe()` proxy or Faultline from the built package, reports its port over IPC, answers
 * memory and CPU-time queries, and exits on `stop` (cleanly, so `--cpu-prof` can write its profile).
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { Agent, createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect, createServer, type NetConnectOpts, type Server, type Socket } from 'node:net';
import { startProxy } from '../src/index.js';
import { installFrameProbe } from './frame-probe.js';
import { BENCH_HIGH_WATER_MARK, cpuMicros, sampleMemory, send, serveIpc, type ChildProxySpec } from './protocol.js';

/** A running proxy, whichever kind. */
interface RunningProxy {
  port: number;
  connections(): number;
  stop(): Promise<void>;
  /** CPU time of every process the proxy runs in, when that is more than this one (cluster workers). */
  cpuMicros?(): Promise<number>;
}

/**
 * The baseline: accept, dial, `pipe()` both ways. Half-open like Faultline, no Nagle, the same
 * buffer size; an error on either side destroys both.
 */
async function startPipeProxy(upstreamPort: number, delayMs?: number): Promise<RunningProxy> {
  const clients = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: BENCH_HIGH_WATER_MARK }, (client) => {
    // `highWaterMark` is a Duplex option that net.Socket passes on; Node 20's types omit it here.
    const options: NetConnectOpts & { highWaterMark: number } = {
      host: '127.0.0.1',
      port: upstreamPort,
      allowHalfOpen: true,
      noDelay: true,
      highWaterMark: BENCH_HIGH_WATER_MARK,
    };
    const upstream = connect(options);
    clients.add(client);
    const destroyBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroyBoth);
    upstream.on('error', destroyBoth);
    client.on('close', () => clients.delete(client));
    if (delayMs === undefined) client.pipe(upstream);
    // The timer baseline: each chunk written by its own plain setTimeout (same-delay timers fire in order).
    else client.on('data', (chunk: Buffer) => setTimeout(() => upstream.write(chunk), delayMs));
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => clients.size,
    stop: async () => {
      server.close();
      for (const client of clients) client.destroy();
    },
  };
}

/**
 * The baseline for an `http` proxy: a bare node:http reverse proxy, one keep-alive upstream connection
 * per client connection as Faultline's HTTP gateway keeps, headers passed as they are.
 */
async function startNodeHttpProxy(upstreamPort: number): Promise<RunningProxy> {
  const server = createHttpServer({ keepAlive: true, noDelay: true }, (req, res) => {
    const socket = req.socket as Socket & { benchAgent?: Agent };
    socket.benchAgent ??= new Agent({ keepAlive: true, maxSockets: 1 });
    const upstream = httpRequest(
      { agent: socket.benchAgent, host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket & { benchAgent?: Agent }) => socket.on('close', () => socket.benchAgent?.destroy()));
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  const address = server.address();
  let connections = 0;
  server.on('connection', (socket: Socket) => {
    connections++;
    socket.on('close', () => connections--);
  });
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => connections,
    stop: async () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** Primary ↔ worker messages of the clustered pipe proxy. */
type WorkerMessage = { type: 'listening'; port: number } | { type: 'cpu'; micros: number };

/**
 * The bare pipe proxy in `workers` cluster workers that share one listening port; the primary hands
 * out connections round-robin and answers for all of them (CPU time summed). Only the experiment
 * on using both cores runs it (setup `pipe-cluster`).
 */
async function startClusteredPipe(upstreamPort: number, workers: number): Promise<RunningProxy> {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.setupPrimary({ args: [String(upstreamPort), JSON.stringify({ kind: 'pipe' })], silent: false });
  const forked: Worker[] = [];
  const ports = await Promise.all(
    Array.from({ length: workers }, () => {
      const worker = cluster.fork();
      forked.push(worker);
      return new Promise<number>((resolve) => {
        const onMessage = (message: WorkerMessage): void => {
          if (message.type !== 'listening') return;
          worker.off('message', onMessage);
          resolve(message.port);
        };
        worker.on('message', onMessage);
      });
    }),
  );
  const askCpu = (worker: Worker): Promise<number> =>
    new Promise((resolve) => {
      const onMessage = (message: WorkerMessage): void => {
        if (message.type !== 'cpu') return;
        worker.off('message', onMessage);
        resolve(message.micros);
      };
      worker.on('message', onMessage);
      worker.send('cpu');
    });
  return {
    port: ports[0] ?? 0,
    connections: () => 0,
    stop: async () => {
      for (const worker of forked) worker.kill();
    },
    cpuMicros: async () => cpuMicros() + (await Promise.all(forked.map(askCpu))).reduce((a, b) => a + b, 0),
  };
}

/** A cluster worker: the bare pipe proxy on the shared port, answering the primary's CPU queries. */
async function runClusterWorker(upstreamPort: number): Promise<void> {
  const proxy = await startPipeProxy(upstreamPort);
  process.on('message', (message: unknown) => {
    if (message === 'cpu') process.send?.({ type: 'cpu', micros: cpuMicros() } satisfies WorkerMessage);
  });
  process.send?.({ type: 'listening', port: proxy.port } satisfies WorkerMessage);
}

async function startFaultline(upstreamPort: number, spec: Extract<ChildProxySpec, { kind: 'faultline' }>): Promise<RunningProxy> {
  const proxy = await startProxy({ upstream: `127.0.0.1:${upstreamPort}`, toxics: spec.toxics, protocol: spec.protocol ?? 'tcp', seed: 1 });
  return {
    port: proxy.port,
    connections: () => proxy.connections.length,
    stop: () => proxy.stop(),
  };
}

async function main(): Promise<void> {
  const upstreamPort = Number(process.argv[2]);
  const spec = JSON.parse(process.argv[3] ?? '{"kind":"pipe"}') as ChildProxySpec;
  if (cluster.isWorker) {
    await runClusterWorker(upstreamPort);
    return;
  }
  const probe = spec.probe === true ? installFrameProbe() : null;
  const proxy =
    spec.kind === 'pipe'
      ? spec.workers !== undefined && spec.workers > 1
        ? await startClusteredPipe(upstreamPort, spec.workers)
        : await startPipeProxy(upstreamPort, spec.delayMs)
      : spec.kind === 'node-http'
        ? await startNodeHttpProxy(upstreamPort)
        : await startFaultline(upstreamPort, spec);
  serveIpc(async (message) => {
    if (message.type === 'memory') send({ type: 'memory', sample: sampleMemory(proxy.connections()) });
    else if (message.type === 'cpu') send({ type: 'cpu', micros: proxy.cpuMicros ? await proxy.cpuMicros() : cpuMicros() });
    else if (message.type === 'holds') send({ type: 'holds', sample: probe?.sample(message.fromMs, message.toMs) ?? null });
    else if (message.type === 'stop') {
      await proxy.stop();
      process.exit(0);
    }
  });
  send({ type: 'ready', port: proxy.port });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
