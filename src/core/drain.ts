/**
 * Waiting, with a limit, for sockets to finish closing: graceful shutdown lets closing connections
 * say goodbye (their FIN, or the peer's) before the process exits.
 * @module
 */
import type { Socket } from 'node:net';

/** Resolves once every socket has closed, or after `timeoutMs`, whichever comes first. Never rejects. */
export function whenClosed(sockets: Iterable<Socket>, timeoutMs: number): Promise<void> {
  const open = [...sockets].filter((s) => !s.closed);
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = open.length;
    const timer = setTimeout(done, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      for (const s of open) s.off('close', onClose);
      resolve();
    }
    function onClose(): void {
      if (--left === 0) done();
    }
    for (const s of open) s.once('close', onClose);
  });
}
