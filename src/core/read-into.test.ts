/** An accepted socket read with `onread`: the bytes come in order through the callback, into the buffers given. */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { readIntoBuffer } from './read-into.js';

describe('readIntoBuffer', () => {
  it('switches a paused accepted socket to onread on this Node: every byte arrives in order, in the buffer handed out', async () => {
    const buffer = Buffer.alloc(1024);
    const received: Buffer[] = [];
    let buffersHandedOut = 0;
    let switched: boolean | undefined;
    const ended = new Promise<void>((resolve) => {
      const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket: Socket) => {
        server.close();
        switched = readIntoBuffer(socket, {
          buffer: () => {
            buffersHandedOut++;
            return buffer;
          },
          callback: (nread, buf) => {
            expect(buf).toBe(buffer);
            received.push(Buffer.from(buf.subarray(0, nread)));
            return true;
          },
        });
        socket.on('data', () => received.push(Buffer.from('data event')));
        socket.on('end', () => {
          socket.end();
          resolve();
        });
        socket.resume();
      });
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const client = connect({ port: typeof address === 'object' && address ? address.port : 0, host: '127.0.0.1' });
        client.on('connect', () => {
          for (let i = 0; i < 50; i++) client.write(Buffer.alloc(100, i));
          client.end();
        });
      });
    });
    await ended;
    expect(switched).toBe(true);
    const all = Buffer.concat(received);
    expect(all.length).toBe(5000);
    for (let i = 0; i < 50; i++) expect(all.subarray(i * 100, (i + 1) * 100).every((b) => b === i)).toBe(true);
    expect(buffersHandedOut).toBeGreaterThan(1);
  });

  it('leaves a socket that is already reading as it is', async () => {
    const server = createServer((socket: Socket) => {
      socket.on('data', () => {});
      const switched = readIntoBuffer(socket, { buffer: () => Buffer.alloc(16), callback: () => true });
      socket.destroy();
      server.emit('checked', switched);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const client = connect({ port: typeof address === 'object' && address ? address.port : 0, host: '127.0.0.1' });
    client.on('error', () => {});
    const [switched] = (await once(server, 'checked')) as [boolean];
    server.close();
    client.destroy();
    expect(switched).toBe(false);
  });

  it('also when the callback field is an accessor on a prototype (a probe watching it): the callback goes through it', async () => {
    // A fresh copy of the module: it remembers the fields it found on the first socket it saw.
    vi.resetModules();
    const fresh = await import('./read-into.js');
    const server = createServer({ pauseOnConnect: true }, (socket: Socket) => {
      // Move the socket's own callback field to an accessor on a prototype of its own.
      const field = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kBufferCb');
      let seen: unknown = null;
      if (field) {
        const proto = Object.create(Object.getPrototypeOf(socket) as object) as object;
        Object.defineProperty(proto, field, {
          get: () => seen,
          set: (callback: unknown) => {
            seen = callback;
          },
        });
        delete (socket as unknown as Record<symbol, unknown>)[field];
        Object.setPrototypeOf(socket, proto);
      }
      const callback = (): boolean => true;
      const switched = fresh.readIntoBuffer(socket, { buffer: () => Buffer.alloc(16), callback });
      socket.destroy();
      server.emit('checked', field !== undefined, switched, seen === callback);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const client = connect({ port: typeof address === 'object' && address ? address.port : 0, host: '127.0.0.1' });
    client.on('error', () => {});
    const [hasField, switched, throughAccessor] = (await once(server, 'checked')) as [boolean, boolean, boolean];
    server.close();
    client.destroy();
    expect([hasField, switched, throughAccessor]).toEqual([true, true, true]);
  });
});
