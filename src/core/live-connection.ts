/**
 * A live connection as listings see it: the API's connections route, metrics and the dashboard. TCP
 * connections are one kind; a protocol with a listener of its own (UDP flows) lists its own kind.
 * @module
 */
import type { Direction } from '../direction.js';
import type { ByteCounters } from './link.js';

/** Datagram counts of one direction of a flow (protocols of datagrams list them besides the bytes). */
export interface DatagramCounts {
  /** Datagrams read from the source. */
  readonly received: number;
  /** Datagrams handed to the destination (duplicates included). */
  readonly sent: number;
  /** Datagrams dropped by a toxic or a limit. */
  readonly dropped: number;
  /** Extra copies sent. */
  readonly duplicated: number;
  /** Datagrams that left after a later one. */
  readonly reordered: number;
  /** Datagrams with flipped bits. */
  readonly corrupted: number;
}

/** One live connection (or flow) as the API, metrics and dashboard list it. */
export interface LiveConnection {
  /** The connection's number within its proxy (1, 2, …). */
  readonly id: number;
  /** Wall-clock time it was accepted (ms since the epoch). */
  readonly openedAt: number;
  /** The client's address as `host:port`. */
  readonly clientAddress: string;
  /** The upstream's address once connected (`host:port`), else undefined. */
  readonly upstreamAddress: string | undefined;
  /** Bytes held by the toxics and buffers of both directions. */
  readonly heldBytes: number;
  /** A direction's byte counts; undefined before it carries anything. */
  bytesOf(direction: Direction): ByteCounters | undefined;
  /** Names of the toxics active on it in `direction` (their toxicity roll said yes). */
  activeToxics(direction: Direction): string[];
  /** A flow's datagram counts in `direction`; absent on byte-stream connections. */
  datagramsOf?(direction: Direction): DatagramCounts;
}
