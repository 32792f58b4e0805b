/** The API's objects as the page keeps them. */

/** A toxic as the API sends it. */
export interface Toxic {
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  attributes: Record<string, unknown>;
}

/** A proxy as the API sends it (`protocol` only when not tcp). */
export interface ProxyInfo {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  protocol?: string;
  /** TLS on the proxy (docs/tls.md); `listen` set: it takes TLS toxics. */
  tls?: { listen?: unknown; upstream?: unknown };
  toxics: Toxic[];
}

/** Datagrams per second of one direction of a udp proxy: read from the source, sent on, dropped. */
export interface DatagramRates {
  received: number;
  sent: number;
  dropped: number;
}

/** Datagram rates of one direction over the last samples, oldest first. */
export interface DatagramSeries {
  received: number[];
  sent: number[];
  dropped: number[];
}

/** Traffic of one proxy over the last samples, oldest first; `datagrams` for udp proxies. */
export interface Series {
  upstream: number[];
  downstream: number[];
  connections: number[];
  datagrams?: { upstream: DatagramSeries; downstream: DatagramSeries };
}

/** One traffic sample of one proxy, as the `traffic` event sends it. */
export interface TrafficSample {
  upstream: number;
  downstream: number;
  connections: number;
  datagrams?: { upstream: DatagramRates; downstream: DatagramRates };
}

/** One line of the event log. */
export interface LogEntry {
  key: number;
  time: string;
  type: string;
  proxy: string;
  text: string;
}

/** A scenario run as `GET /scenarios` lists it. */
export interface RunSummary {
  id: string;
  name: string;
  status: 'pending' | 'running' | 'rolling_back' | 'finished';
  verdict: 'passed' | 'failed' | 'aborted' | null;
  seed: string;
  started_at: string | null;
  finished_at: string | null;
  planned_duration_ms: number;
  elapsed_ms: number;
}

/** A live connection as `GET /proxies/{proxy}/connections` lists it. */
export interface ConnectionInfo {
  id: number;
  client: string;
  upstream: string;
  opened_at: string;
  bytes: { upstream: { received: number; sent: number; dropped: number }; downstream: { received: number; sent: number; dropped: number } };
  toxics: { upstream: string[]; downstream: string[] };
  /** A udp flow's datagrams each way. */
  datagrams?: { upstream: DatagramRates; downstream: DatagramRates };
}

/** One toxic type of `GET /faultline/toxics`. */
export interface ToxicType {
  type: string;
  layer: 'stream' | 'http' | 'datagram' | 'tls';
  summary: string;
  destructive: false | string;
  extensions: string[];
  attributes: JsonSchema;
}

/** The part of JSON Schema the forms read. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
}

/** The direction a toxic acts on (its stream, as the API reads it). */
export function directionOf(toxic: Pick<Toxic, 'stream'>): 'upstream' | 'downstream' {
  return toxic.stream.toLowerCase() === 'upstream' ? 'upstream' : 'downstream';
}

/** True when a proxy has a partition toxic in place. */
export function isPartitioned(proxy: ProxyInfo): boolean {
  return proxy.toxics.some((t) => t.type === 'partition');
}
