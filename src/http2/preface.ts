/**
 * Telling HTTP/2 with prior knowledge from HTTP/1.1 on a fresh connection: an HTTP/2 client opens
 * with the fixed connection preface, which no HTTP/1.1 request starts with.
 * @module
 */
import type { Duplex } from 'node:stream';

/** RFC 9113 §3.4: the first bytes of every HTTP/2 client connection. */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Reads the first bytes of `socket` until they decide: `h2` when they are the preface, `http1`
 * as soon as they differ from it. What was read is put back before `decided` runs. A connection
 * that ends first is left alone.
 */
export function sniffPreface(socket: Duplex, decided: (kind: 'h2' | 'http1') => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, CLIENT_PREFACE.length);
    const same = seen.subarray(0, n).equals(CLIENT_PREFACE.subarray(0, n));
    if (same && seen.length < CLIENT_PREFACE.length) return;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    socket.unshift(seen);
    decided(same ? 'h2' : 'http1');
  };
  const onEnd = (): void => {
    socket.off('data', onData);
    socket.end();
  };
  socket.on('data', onData);
  socket.once('end', onEnd);
}
