/**
 * Two streams joined both ways, as a proxy joins its two sides: bytes in order with backpressure,
 * a half-close passed on as a half-close, a reset as a reset, and a close as a polite close.
 * @module
 */
import type { Duplex } from 'node:stream';
import { closeGracefully, resetSocket } from '../core/socket-options.js';

/** How to reset one side (default: resetSocket, which resets a TCP socket or a duplex pair's end). */
export type ResetSide = (side: Duplex) => void;

/** Joins `a` and `b`; `reset` resets a side whose peer was reset. */
export function splice(a: Duplex, b: Duplex, graceMs: number, reset: ResetSide = resetSocket): void {
  a.pipe(b);
  b.pipe(a);
  const broken = (to: Duplex) => (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET') reset(to);
    else closeGracefully(to, graceMs);
  };
  a.on('error', broken(b));
  b.on('error', broken(a));
  // A side that closed (after its end, or destroyed) lets the other finish what it writes, then close.
  a.on('close', () => closeGracefully(b, graceMs));
  b.on('close', () => closeGracefully(a, graceMs));
}
