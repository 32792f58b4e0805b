/**
 * The agent of one client connection: it owns at most one upstream connection, reused for every
 * request of that client connection (keep-alive), and never opens a second. The upstream, not the
 * agent, decides when an idle connection closes.
 * @module
 */
import { Agent } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One upstream connection per client connection, kept alive for as long as the upstream keeps it. */
export class UpstreamAgent extends Agent {
  constructor(private readonly dial: () => Socket) {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, maxTotalSockets: 1, scheduling: 'fifo' });
  }

  /** Dials through the session, which refuses a second connection. */
  override createConnection(): Duplex {
    return this.dial();
  }

  /** Keeps the idle socket as it is: no unref, no idle timeout of the agent's own. */
  override keepSocketAlive(): boolean {
    return true;
  }
}
