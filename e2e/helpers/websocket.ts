/**
 * A minimal WebSocket (RFC 6455) client and echo server on node:http, for tests that need a real
 * upgrade handshake and real frames: text and binary frames up to 2^53 bytes, masking, close.
 * No extensions, no fragmentation.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { request, type Server } from 'node:http';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One frame. */
export interface Frame {
  opcode: number;
  payload: Buffer;
}

/** The accept value a server answers for a client key. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** Encodes one final frame; `mask` is required from clients. */
export function encodeFrame(opcode: number, payload: Buffer, mask: boolean): Buffer {
  const length = payload.length;
  const extra = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + extra + (mask ? 4 : 0));
  head[0] = 0x80 | opcode;
  head[1] = (mask ? 0x80 : 0) | (length < 126 ? length : length < 65536 ? 126 : 127);
  if (extra === 2) head.writeUInt16BE(length, 2);
  else if (extra === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + extra);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] ?? 0) ^ (key[i % 4] ?? 0);
  return Buffer.concat([head, masked]);
}

/** Reads frames from a byte stream as they complete. */
export class FrameReader {
  private buffer = Buffer.alloc(0);

  /** Adds bytes; returns the frames they completed. */
  push(chunk: Buffer): Frame[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      const masked = ((b[1] ?? 0) & 0x80) !== 0;
      let length = (b[1] ?? 0) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const keyAt = offset;
      if (masked) offset += 4;
      if (b.length < offset + length) break;
      const payload = Buffer.from(b.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (b[keyAt + (i % 4)] ?? 0);
      frames.push({ opcode: (b[0] ?? 0) & 0x0f, payload });
      this.buffer = b.subarray(offset + length);
    }
    return frames;
  }
}

/** Makes `server` a WebSocket echo server: every data frame comes back, close is answered. */
export function attachEchoServer(server: Server): void {
  server.on('upgrade', (req, socket: Socket) => {
    const key = String(req.headers['sec-websocket-key'] ?? '');
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || key === '') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
    );
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (frame.opcode === 0x8) {
          socket.end(encodeFrame(0x8, frame.payload, false));
          return;
        }
        socket.write(encodeFrame(frame.opcode, frame.payload, false));
      }
    });
    socket.on('error', () => {});
  });
}

/** A connected client. */
export interface WebSocketClient {
  /** The 101 answer's headers. */
  readonly headers: Record<string, string | string[] | undefined>;
  send(data: string | Buffer): void;
  /** The next frame from the server. */
  next(): Promise<Frame>;
  /** Sends close and waits for the server's close frame and the end of the connection. */
  close(): Promise<void>;
  readonly socket: Socket;
}

/** Opens a WebSocket to ws://127.0.0.1:`port``path`. */
export function connectWebSocket(port: number, path = '/'): Promise<WebSocketClient> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' },
    });
    req.on('error', reject);
    req.on('response', (res) => reject(new Error(`no upgrade: status ${String(res.statusCode)}`)));
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
        socket.destroy();
        reject(new Error('bad Sec-WebSocket-Accept'));
        return;
      }
      const reader = new FrameReader();
      const queue: Frame[] = [];
      const waiting: Array<(frame: Frame) => void> = [];
      const deliver = (chunk: Buffer): void => {
        for (const frame of reader.push(chunk)) {
          const waiter = waiting.shift();
          if (waiter) waiter(frame);
          else queue.push(frame);
        }
      };
      socket.on('data', deliver);
      socket.on('error', () => {});
      if (head.length > 0) deliver(head);
      const next = (): Promise<Frame> => {
        const frame = queue.shift();
        return frame ? Promise.resolve(frame) : new Promise((r) => waiting.push(r));
      };
      resolve({
        headers: res.headers,
        socket,
        send: (data) => socket.write(encodeFrame(typeof data === 'string' ? 0x1 : 0x2, Buffer.from(data), true)),
        next,
        close: async () => {
          const ended = new Promise<void>((r) => socket.once('close', () => r()));
          socket.write(encodeFrame(0x8, Buffer.from([0x03, 0xe8]), true));
          const frame = await next();
          if (frame.opcode !== 0x8) throw new Error(`expected a close frame, got opcode ${frame.opcode}`);
          socket.end();
          await ended;
        },
      });
    });
    req.end();
  });
}
