/**
 * One proxy the bench measures, whichever kind: a bench child process (the bare proxies, Faultline's
 * engine in-process) or a proxy on a server program (`faultline serve`, `toxiproxy-server`).
 * @module
 */
import { join } from 'node:path';
import { BenchChild } from './children.js';
import type { HoldSample } from './frame-probe.js';
import type { ChildProxySpec, ServerProxySpec } from './protocol.js';
import { faultlineLaunch, type ProxyServer, toxiproxyLaunch, type ServerLaunch } from './proxy-server.js';

/** Memory of the process a proxy runs in. Heap and Buffer figures exist for bench children only. */
export interface ProxyMemory {
  rss: number;
  heapUsed?: number;
  arrayBuffers?: number;
}

/** A proxy in front of one upstream. */
export interface ProxyUnderTest {
  readonly port: number;
  /** CPU time of the process(es) the proxy runs in, so far, in microseconds. */
  cpuMicros(): Promise<number>;
  /** Memory of the proxy's process (after forced GC for bench children). */
  memory(): Promise<ProxyMemory>;
  /** Hold times of timed frames (bench children started with the probe only). */
  holds(fromMs: number, toMs: number): Promise<HoldSample | null>;
  stop(): Promise<void>;
}

/** Where the bench's scripts are, where Toxiproxy is, and where CPU profiles go. */
export interface ProxyContext {
  scriptDir: string;
  toxiproxy: string | undefined;
  cpuProfDir?: string | undefined;
}

/** How to start the program of a server setup; `profileName` names its CPU profile (Faultline only). */
export function serverLaunch(ctx: ProxyContext, spec: ServerProxySpec, profileName?: string): ServerLaunch {
  if (spec.program === 'toxiproxy') {
    if (ctx.toxiproxy === undefined) throw new Error('toxiproxy-server was not found');
    return toxiproxyLaunch(ctx.toxiproxy);
  }
  const flags =
    ctx.cpuProfDir !== undefined && profileName !== undefined
      ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`, `--cpu-prof-name=${profileName}.cpuprofile`]
      : [];
  return faultlineLaunch(ctx.scriptDir, flags);
}

/** A bench child running a bare proxy or Faultline's engine in front of `upstreamPort`. */
export async function startChildProxy(
  ctx: ProxyContext,
  spec: ChildProxySpec,
  upstreamPort: number,
  name: string,
  options: { profile?: boolean } = {},
): Promise<ProxyUnderTest> {
  const execArgv = ['--expose-gc'];
  if (ctx.cpuProfDir !== undefined && options.profile === true) {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`);
  }
  const child = await BenchChild.start(
    `proxy (${name})`,
    join(ctx.scriptDir, 'proxy-process.js'),
    [String(upstreamPort), JSON.stringify(spec)],
    {
      execArgv,
    },
  );
  return {
    port: child.port,
    cpuMicros: async () => (await child.request({ type: 'cpu' }, 'cpu', 10_000)).micros,
    memory: async () => (await child.request({ type: 'memory' }, 'memory', 10_000)).sample,
    holds: async (fromMs, toMs) => (await child.request({ type: 'holds', fromMs, toMs }, 'holds', 10_000)).sample,
    stop: () => child.stop(),
  };
}

/** A proxy named `name` on a running server, with the setup's toxics; `stop` deletes it. */
export async function openServerProxy(
  server: ProxyServer,
  spec: ServerProxySpec,
  upstreamPort: number,
  name: string,
): Promise<ProxyUnderTest> {
  // A chain's second proxy first: it terminates TLS (tls) in front of the upstream.
  const back = `${name}-back`;
  const target =
    spec.chain === undefined
      ? upstreamPort
      : await server.createProxy(back, upstreamPort, [], undefined, spec.chain === 'tls' ? { listen: { cert: 'auto' } } : undefined);
  // The first originates TLS to it; the certificate is the local CA's, not checked here (same cost).
  const tls = spec.chain === 'tls' ? { upstream: { verify: false } } : undefined;
  const port = await server.createProxy(name, target, spec.toxics, spec.protocol, tls);
  return {
    port,
    cpuMicros: async () => server.cpuMicros(),
    memory: async () => ({ rss: server.rssBytes() }),
    holds: async () => null,
    stop: async () => {
      await server.deleteProxy(name);
      if (spec.chain !== undefined) await server.deleteProxy(back);
    },
  };
}
