/**
 * Every socket option and the ways a socket is closed, in one place.
 * @module
 */
import type { LookupFunction, NetConnectOpts, ServerOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HostPort } from './address.js';

/** Tuning shared by listeners and upstream dials. */
export interface SocketTuning {
  /** Stream buffer size for both sockets (bytes). Set explicitly: Node's default changes by version. */
  highWaterMark: number;
  /** How upstream host names are looked up (cached; see host-cache.ts); default the system's, uncached. */
  lookup?: LookupFunction | undefined;
}

/** 64 KiB: Node 22's default, fixed here so behaviour does not change with the Node version. */
export const DEFAULT_SOCKET_HIGH_WATER_MARK = 64 * 1024;

/** TCP keepalive, as Go (and so Toxiproxy) enables it on every connection. */
const KEEPALIVE_DELAY_MS = 15_000;

/** Listener options: half-open connections, no Nagle, and no reading before upstream is connected. */
export function listenerOptions(tuning: SocketTuning): ServerOpts {
  return {
    allowHalfOpen: true,
    pauseOnConnect: true,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_DELAY_MS,
    highWaterMark: tuning.highWaterMark,
  };
}

/** Options for dialling the upstream. */
export function dialOptions(target: HostPort, tuning: SocketTuning): NetConnectOpts {
  // `highWaterMark` is a Duplex option that net.Socket passes on; Node 20's types omit it here.
  const options: NetConnectOpts & { highWaterMark: number } = {
    host: target.host,
    port: target.port,
    allowHalfOpen: true,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_DELAY_MS,
    highWaterMark: tuning.highWaterMark,
    ...(tuning.lookup ? { lookup: tuning.lookup } : {}),
  };
  return options;
}

/**
 * Closes a socket the polite way: whatever was written still goes out, then FIN. Incoming bytes are
 * read and discarded meanwhile (unread bytes would turn the close into a reset). If the peer has not
 * closed its side within `graceMs`, the socket is destroyed.
 */
export function closeGracefully(socket: Duplex, graceMs: number): void {
  if (socket.destroyed) return;
  socket.resume();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Resets a socket (RST), or an in-process stream that can pass a reset on (duplex-pair.ts). A socket
 * still connecting is reset as soon as it connects (Node waits for the handshake), so a peer that the
 * dial already reached sees a reset, not a quiet close.
 */
export function resetSocket(socket: Duplex & { resetAndDestroy?: () => unknown }): void {
  if (socket.destroyed) return;
  try {
    if (typeof socket.resetAndDestroy !== 'function') throw new Error('no reset');
    socket.resetAndDestroy();
  } catch {
    // Not a TCP socket (or no handle yet): nothing to reset, only to close.
    socket.destroy();
  }
}
