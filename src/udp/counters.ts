/**
 * Datagram counts of one direction, kept per flow and summed per relay: what the connections API
 * lists for a flow and what metrics export.
 * @module
 */
import type { Direction } from '../direction.js';
import type { DatagramFault } from './toxics/datagram-toxic.js';

/** What happened to the datagrams of one direction. */
export interface DatagramCounters {
  /** Datagrams read from the source. */
  received: number;
  receivedBytes: number;
  /** Datagrams handed to the destination socket (duplicates included). */
  sent: number;
  sentBytes: number;
  /** Datagrams dropped: by a toxic, over a held or send-queue limit, or refused with the flow limit. */
  dropped: number;
  /** Extra copies sent by `duplicate`. */
  duplicated: number;
  /** Datagrams that left after a later one (`reorder`, or `latency` with `reorder: true`). */
  reordered: number;
  /** Datagrams with flipped bits (`corrupt`). */
  corrupted: number;
}

/** Both directions' counters. */
export type FlowCounters = Record<Direction, DatagramCounters>;

/** Zeroed counters. */
export function emptyCounters(): DatagramCounters {
  return { received: 0, receivedBytes: 0, sent: 0, sentBytes: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0 };
}

/** Zeroed counters for both directions. */
export function emptyFlowCounters(): FlowCounters {
  return { upstream: emptyCounters(), downstream: emptyCounters() };
}

/** Adds one fault to a counter set. */
export function countFault(counters: DatagramCounters, fault: DatagramFault): void {
  counters[fault]++;
}
