/**
 * The settings, listings, events and figures of a `UdpRelay`, and their defaults.
 * @module
 */
import type { Clock } from '../core/clock.js';
import type { Direction } from '../direction.js';
import type { Logger } from '../core/logger.js';
import type { FlowCounters } from './counters.js';
import type { DatagramParseOptions } from './datagram-spec.js';
import type { FlowCloseReason } from './flow.js';

/** A flow ends after this long without a datagram either way (ms), unless told otherwise. */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 60_000;
/** Flows one relay keeps at most; datagrams from further clients are dropped until one ends. */
export const DEFAULT_MAX_FLOWS = 10_000;
/** Bytes the toxics of one flow and direction may hold (latency, bandwidth, reorder queues). */
export const DEFAULT_MAX_HELD_BYTES = 1024 * 1024;
/** Bytes a socket may have waiting to be sent; past it, datagrams to it are dropped as a full NIC queue would. */
export const DEFAULT_MAX_SEND_QUEUE_BYTES = 1024 * 1024;
/**
 * Kernel receive and send buffer asked for on every socket (SO_RCVBUF, SO_SNDBUF): room for a burst
 * while the event loop is busy elsewhere. The kernel caps it at net.core.rmem_max / wmem_max.
 */
export const DEFAULT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** Options of `UdpRelay`; only `listen` and `upstream` are required. */
export interface UdpRelayOptions {
  /** Names the relay in seeds, events and logs (the proxy's name). */
  name?: string;
  /** `host:port` to listen on; port 0 picks a free port (see `UdpRelay.address()`). */
  listen: string;
  /** `host:port` of the service behind the relay; a host name is resolved once, when the relay starts. */
  upstream: string;
  /** Seed of every random decision; a random one when omitted (see `UdpRelay.seed`). */
  seed?: string | number;
  clock?: Clock;
  /** Wall time in ms since the epoch, for `openedAt` (default `Date.now`). */
  wallClock?: () => number;
  logger?: Logger;
  /** ms without a datagram after which a flow ends (default 60 000). */
  idleTimeoutMs?: number;
  /** Flows at most (default 10 000). */
  maxFlows?: number;
  /** Bytes the toxics of one flow and direction may hold (default 1 MiB). */
  maxHeldBytes?: number;
  /** Bytes a socket may have queued for sending before datagrams to it are dropped (default 1 MiB). */
  maxSendQueueBytes?: number;
  /** Kernel buffer asked for on each socket, each way (default 4 MiB; capped by the kernel's maximum). */
  socketBufferBytes?: number;
  /** Looks a datagram toxic type up (default: the built-in datagram toxics). */
  lookup?: DatagramParseOptions['lookup'];
  /** Receives every event; a throwing listener is logged, never thrown into the data path. */
  onEvent?: (event: UdpRelayEvent) => void;
}

/** One flow as listed (a snapshot). */
export interface FlowInfo {
  id: number;
  /** The client's `host:port`. */
  client: string;
  /** The upstream's `host:port` the flow sends to. */
  upstream: string;
  /** Wall time it opened, ms since the epoch. */
  openedAt: number;
  /** ms since its last datagram either way. */
  idleMs: number;
  counters: FlowCounters;
  /** Toxics active on the flow (their toxicity roll said yes), per direction. */
  toxics: Record<Direction, string[]>;
}

/** What a relay reports. Faults are reported at most once a second per flow, direction, toxic and kind, with a `count`. */
export type UdpRelayEvent =
  | { type: 'flow.opened'; relay: string; flow: FlowInfo }
  | { type: 'flow.closed'; relay: string; flow: FlowInfo; reason: FlowCloseReason }
  | { type: 'flow.refused'; relay: string; client: string; flows: number }
  | {
      type: 'fault';
      relay: string;
      flow: number;
      direction: Direction;
      /** The toxic's name and type, or null for a limit of the relay (`held_limit`, `send_queue_full`). */
      toxic: string | null;
      toxicType: string | null;
      /** `loss`, `partition`, `partition_begin`, `partition_heal`, `duplicate`, `reorder`, `jitter`, `queue_full`, `corrupt`, `held_limit`, `send_queue_full`. */
      kind: string;
      /** Faults of this kind since the last report. */
      count: number;
      detail?: Record<string, unknown>;
    };

/** Relay-wide figures for metrics. */
export interface RelayStats {
  /** Flows open now. */
  flows: number;
  flowsOpened: number;
  /** Datagrams from new clients dropped because the relay had `maxFlows` flows. */
  flowsRefused: number;
  /** Totals per direction, over every flow, open or ended. */
  counters: FlowCounters;
}
