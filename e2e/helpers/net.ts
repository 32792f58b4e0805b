/**
 * Loopback networking for e2e tests: free ports, and connect attempts that report refusal.
 * @module
 */
import { connect, createServer } from 'node:net';

export { connectTo, readAll, readBytes, startEchoServer, startServer, waitFor, type TestServer } from '../../src/testing/net.js';

/** A port that was free a moment ago on 127.0.0.1 (bind 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when a TCP connect to 127.0.0.1:port succeeds (the socket is closed at once). */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
