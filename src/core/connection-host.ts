/**
 * What a proxy's connections see of it (their {@link ConnectionOwner}): the engine's settings, the
 * seeded random streams of their toxics, the byte-stream toxics to start with, the byte counters, and
 * the events and logs of their lives and faults.
 * @module
 */
import type { ToxicDefinition, ToxicSpec } from './toxic-contract.js';
import type { Clock } from './clock.js';
import type { Connection, ConnectionOwner, TeardownReason } from './connection.js';
import type { Direction } from '../direction.js';
import type { ByteCounters } from './link.js';
import type { Logger } from './logger.js';
import { createRng, type Rng } from './rng.js';
import type { Runtime } from './runtime.js';
import type { SocketTuning } from './socket-options.js';

/** What the host reads from its proxy. */
export interface ConnectionHostProxy {
  readonly name: string;
  readonly upstream: string;
  readonly log: Logger;
  /** The byte-stream toxics of a direction. */
  toxicsFor(direction: Direction): Array<{ spec: ToxicSpec; definition: ToxicDefinition }>;
  /** A connection ended: forget it. */
  forget(conn: Connection): void;
}

/** The owner of one proxy's connections. */
export class ConnectionHost implements ConnectionOwner {
  /** Bytes per direction, counted live: received from the source, sent to the destination, dropped. */
  readonly bytes: Record<Direction, ByteCounters> = {
    upstream: { received: 0, sent: 0, dropped: 0 },
    downstream: { received: 0, sent: 0, dropped: 0 },
  };

  constructor(
    private readonly runtime: Runtime,
    private readonly proxy: ConnectionHostProxy,
  ) {}

  get clock(): Clock {
    return this.runtime.clock;
  }

  get maxHeldBytes(): number {
    return this.runtime.maxHeldBytes;
  }

  get dialTimeoutMs(): number {
    return this.runtime.dialTimeoutMs;
  }

  get closeGraceMs(): number {
    return this.runtime.closeGraceMs;
  }

  get tuning(): SocketTuning {
    return this.runtime.tuning;
  }

  rngFor(ordinal: number, direction: Direction, toxic: ToxicSpec): Rng {
    return createRng(this.runtime.seed, this.proxy.name, toxic.name, ordinal, direction);
  }

  /**
   * The toxicity roll of `toxic` on connection `ordinal` in `direction`: the first draw of its seeded
   * stream, so the same seed gives the same roll. The toxic is active there while the roll is below
   * its toxicity.
   */
  toxicityRoll(ordinal: number, direction: Direction, toxic: Pick<ToxicSpec, 'name'>): number {
    return createRng(this.runtime.seed, this.proxy.name, toxic.name, ordinal, direction).next();
  }

  toxicsFor(direction: Direction): Array<{ spec: ToxicSpec; definition: ToxicDefinition }> {
    return this.proxy.toxicsFor(direction);
  }

  connectionOpened(conn: Connection): void {
    const log = this.proxy.log;
    if (log.isLevelEnabled('debug')) log.debug({ conn: conn.id, client: conn.clientAddress }, 'connection opened');
    this.runtime.events.emit({ type: 'connection.opened', proxy: this.proxy.name, connection: conn });
  }

  connectionClosed(conn: Connection, reason: TeardownReason, error?: Error): void {
    this.proxy.forget(conn);
    const log = this.proxy.log;
    if (reason === 'upstream-unreachable') {
      log.warn({ conn: conn.id, upstream: this.proxy.upstream, err: error }, 'unable to open connection to upstream');
    } else if (log.isLevelEnabled('debug')) {
      log.debug({ conn: conn.id, reason, err: error }, 'connection closed');
    }
    this.runtime.events.emit({
      type: 'connection.closed',
      proxy: this.proxy.name,
      connection: conn,
      reason,
      ...(error ? { error } : {}),
    });
  }

  /**
   * Reports an injected fault. `decision` defaults to the toxic's per-connection toxicity roll;
   * toxics that decide per message (HTTP) pass their own.
   */
  toxicFault(
    conn: { readonly id: number },
    direction: Direction,
    toxic: ToxicSpec,
    kind: string,
    detail?: Record<string, unknown>,
    decision?: { roll: number; toxicity: number },
  ): void {
    const log = this.proxy.log;
    if (log.isLevelEnabled('debug')) log.debug({ conn: conn.id, direction, toxic: toxic.name, kind, ...detail }, 'fault injected');
    this.runtime.events.emit({
      type: 'fault',
      proxy: this.proxy.name,
      connection: conn.id,
      direction,
      toxic: toxic.name,
      toxicType: toxic.type,
      kind,
      decision: decision ?? { roll: this.toxicityRoll(conn.id, direction, toxic), toxicity: toxic.toxicity },
      ...(detail ? { detail } : {}),
    });
  }
}
