/**
 * The HTTP/1.1 Upgrade to h2c (RFC 7540 §3.2): a client that asks gets `101 Switching Protocols`,
 * then speaks HTTP/2, and its upgrade request becomes stream 1, answered in HTTP/2. node:http2 has
 * no such entry, so the request is handed to it as what it stands for: a HEADERS frame for stream 1
 * (with END_STREAM), placed right after the client's preface and first SETTINGS frame.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { literalHeaderBlock } from './hpack-literal.js';
import { CLIENT_PREFACE } from './preface.js';

/** Frames larger than this are not sent before the peer's SETTINGS allow it (RFC 9113 §4.2). */
const DEFAULT_MAX_FRAME = 16_384;
const FRAME_HEADER = 9;

/** Request headers that belong to the HTTP/1.1 connection, not to the request. */
const CONNECTION_FIELDS = new Set([
  'connection',
  'upgrade',
  'http2-settings',
  'host',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
]);

/** Why an upgrade request cannot be taken, or undefined when it can. */
export function upgradeRefusal(req: IncomingMessage): string | undefined {
  const tokens = (req.headers.upgrade ?? '').split(',').map((t) => t.trim().toLowerCase());
  if (!tokens.includes('h2c')) return 'this proxy speaks HTTP/2: send the HTTP/2 preface, or ask for "Upgrade: h2c"';
  if (req.headers['http2-settings'] === undefined) return 'an h2c upgrade needs one HTTP2-Settings header';
  const length = req.headers['content-length'];
  if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) {
    return 'an h2c upgrade request with a body is not taken: send the body after the upgrade, or use prior knowledge';
  }
  return undefined;
}

/** The HEADERS frame (stream 1, END_STREAM | END_HEADERS) that stands for the upgrade request, or undefined when too large. */
export function upgradeRequestFrame(req: IncomingMessage): Buffer | undefined {
  const fields: Array<[string, string]> = [
    [':method', req.method ?? 'GET'],
    [':scheme', 'http'],
    [':authority', req.headers.host ?? ''],
    [':path', req.url ?? '/'],
  ];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (CONNECTION_FIELDS.has(name) || (name === 'te' && value.toLowerCase() !== 'trailers')) continue;
    fields.push([name, value]);
  }
  const block = literalHeaderBlock(fields);
  if (block.length > DEFAULT_MAX_FRAME) return undefined;
  const header = Buffer.alloc(FRAME_HEADER);
  header.writeUIntBE(block.length, 0, 3);
  header[3] = 0x1; // HEADERS
  header[4] = 0x1 | 0x4; // END_STREAM | END_HEADERS
  header.writeUInt32BE(1, 5);
  return Buffer.concat([header, block]);
}

/**
 * The client's side of an upgraded connection as node:http2 reads it: the client's bytes with
 * `frame` placed after its preface and first frame; writes go straight to the client.
 */
export class UpgradedStream extends Duplex {
  private pending: Buffer | undefined = Buffer.alloc(0);

  constructor(
    private readonly socket: Duplex,
    private readonly frame: Buffer,
    head: Buffer,
  ) {
    super({ allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => this.admit(chunk));
    socket.on('end', () => {
      if (this.pending) this.forward(this.pending);
      this.push(null);
    });
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    if (head.length > 0) this.admit(head);
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    callback(err);
  }

  private admit(chunk: Buffer): void {
    if (!this.pending) {
      this.forward(chunk);
      return;
    }
    const seen = Buffer.concat([this.pending, chunk]);
    const first = CLIENT_PREFACE.length;
    if (seen.length < first + FRAME_HEADER) {
      this.pending = seen;
      return;
    }
    const end = first + FRAME_HEADER + seen.readUIntBE(first, 3);
    if (seen.length < end) {
      // A first frame too large for a SETTINGS frame is the client's error; nghttp2 answers it.
      if (end - first > DEFAULT_MAX_FRAME + FRAME_HEADER) {
        this.pending = undefined;
        this.forward(seen);
        return;
      }
      this.pending = seen;
      return;
    }
    this.pending = undefined;
    this.forward(Buffer.concat([seen.subarray(0, end), this.frame, seen.subarray(end)]));
  }

  private forward(chunk: Buffer): void {
    if (!this.push(chunk)) this.socket.pause();
  }
}
