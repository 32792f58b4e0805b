/**
 * Live connections on the wire (`GET /proxies/{proxy}/connections`): a Faultline extension, so the
 * shape is ours: snake_case keys, times as ISO 8601, bytes per direction as the metrics count them.
 * @module
 */
import type { ByteCounters } from '../core/link.js';
import type { DatagramCounts, LiveConnection } from '../core/live-connection.js';

/** Byte counts of one direction of one connection. */
export interface ConnectionBytesJson {
  /** Read from the source socket. */
  received: number;
  /** Written to the destination socket. */
  sent: number;
  /** Discarded on purpose by destructive toxics. */
  dropped: number;
}

/** One live connection (key order: id, client, upstream, opened_at, bytes, toxics). */
export interface ConnectionJson {
  /** The connection's number within its proxy (1, 2, …); the `{id}` of the delete route. */
  id: number;
  /** The client's address as the proxy sees it. */
  client: string;
  /** The upstream address dialled: the resolved peer once connected, else the proxy's upstream. */
  upstream: string;
  /** When the client was accepted (ISO 8601, UTC). */
  opened_at: string;
  /** `upstream` is client → server, `downstream` server → client, as for toxics. */
  bytes: { upstream: ConnectionBytesJson; downstream: ConnectionBytesJson };
  /** Names of the toxics active on this connection (their toxicity roll said yes), per direction. */
  toxics: { upstream: string[]; downstream: string[] };
  /** A udp flow's datagrams per direction (after `bytes`); absent on TCP connections. */
  datagrams?: { upstream: DatagramCounts; downstream: DatagramCounts };
}

/** A direction's counters on the wire; zeros before it carries anything. */
export function bytesJson(counters: ByteCounters | undefined): ConnectionBytesJson {
  return { received: counters?.received ?? 0, sent: counters?.sent ?? 0, dropped: counters?.dropped ?? 0 };
}

/** `{ datagrams }` of a udp flow (received, sent, dropped, duplicated, reordered, corrupted each way), `{}` for a TCP connection. */
export function datagramsJson(conn: LiveConnection): { datagrams?: { upstream: DatagramCounts; downstream: DatagramCounts } } {
  if (!conn.datagramsOf) return {};
  return { datagrams: { upstream: conn.datagramsOf('upstream'), downstream: conn.datagramsOf('downstream') } };
}

/** A connection as the API shows it; `upstream` is the proxy's configured upstream, used until the dial succeeds. */
export function connectionJson(conn: LiveConnection, upstream: string): ConnectionJson {
  return {
    id: conn.id,
    client: conn.clientAddress,
    upstream: conn.upstreamAddress ?? upstream,
    opened_at: new Date(conn.openedAt).toISOString(),
    bytes: { upstream: bytesJson(conn.bytesOf('upstream')), downstream: bytesJson(conn.bytesOf('downstream')) },
    toxics: { upstream: conn.activeToxics('upstream'), downstream: conn.activeToxics('downstream') },
    ...datagramsJson(conn),
  };
}
