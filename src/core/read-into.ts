/**
 * `onread` for accepted sockets. Node reads a socket created with `net.connect({ onread })` into a
 * buffer the caller supplies, with no allocation and no stream machinery per read; that roughly
 * divides the proxy's CPU per byte by five. `net.Server` has no such option for the sockets it
 * accepts, so this switches an accepted socket, still paused (`pauseOnConnect`), to the same mode
 * the way `net.Socket`'s constructor does for `onread`. It depends on Node's internals, so it checks
 * that each one is there first and otherwise leaves the socket as it is (read through `'data'`).
 * @module
 */
import type { OnReadOpts, Socket } from 'node:net';

/** The fields `net.Socket` keeps its `onread` option in (module-private symbols in node:net). */
const FIELDS = ['kBuffer', 'kBufferGen', 'kBufferCb'] as const;

interface UserBufferHandle {
  reading?: boolean;
  useUserBuffer?: (buf: Uint8Array) => void;
}

let fields: Record<(typeof FIELDS)[number], symbol> | null | undefined;

/**
 * The symbols of a socket and of its prototypes: node:net assigns the fields on every socket, but an
 * accessor of the same name on a prototype (a probe that watches the callback) keeps the assignment
 * off the socket itself.
 */
function symbolsOf(socket: Socket): symbol[] {
  const all: symbol[] = [];
  for (let o: object | null = socket; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    all.push(...Object.getOwnPropertySymbols(o));
  }
  return all;
}

function fieldsOf(socket: Socket): typeof fields {
  const own = symbolsOf(socket);
  const found: Partial<Record<(typeof FIELDS)[number], symbol>> = {};
  for (const name of FIELDS) {
    const symbol = own.find((s) => s.description === name);
    if (!symbol) return null;
    found[name] = symbol;
  }
  return found as Record<(typeof FIELDS)[number], symbol>;
}

/**
 * Makes a paused socket's reads land in buffers from `onread.buffer()` and reach `onread.callback`
 * instead of `'data'`. Returns false (and changes nothing) when this Node does not allow it or the
 * socket is already reading.
 */
export function readIntoBuffer(socket: Socket, onread: { buffer: () => Buffer; callback: OnReadOpts['callback'] }): boolean {
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function' || handle.reading === true || !socket.isPaused()) return false;
  fields ??= fieldsOf(socket);
  if (!fields) return false;
  const state = socket as unknown as Record<symbol, unknown>;
  if (state[fields.kBuffer] !== null) return false;
  const first = onread.buffer();
  state[fields.kBuffer] = first;
  state[fields.kBufferGen] = onread.buffer;
  state[fields.kBufferCb] = onread.callback;
  handle.useUserBuffer(first);
  return true;
}
