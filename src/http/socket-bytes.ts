/**
 * The byte counts of a client socket an HTTP or HTTP/2 gateway adopted (no links count it): what the socket
 * read and wrote since the last count, added to the proxy's counters as the links would add them.
 * @module
 */
import type { Socket } from 'node:net';
import type { ByteCounters } from '../core/link.js';
import type { Direction } from '../direction.js';

/** Counts one adopted socket into its proxy's counters, at each {@link SocketBytes.count}. */
export class SocketBytes {
  private read = 0;
  private written = 0;

  constructor(
    private readonly socket: Socket,
    private readonly bytes: Record<Direction, ByteCounters>,
  ) {}

  /** Adds what the socket read (upstream) and wrote (downstream) since the last count. */
  count(): void {
    const read = this.socket.bytesRead;
    const written = this.socket.bytesWritten;
    const up = read - this.read;
    const down = written - this.written;
    this.read = read;
    this.written = written;
    if (up > 0) {
      this.bytes.upstream.received += up;
      this.bytes.upstream.sent += up;
    }
    if (down > 0) {
      this.bytes.downstream.received += down;
      this.bytes.downstream.sent += down;
    }
  }
}
