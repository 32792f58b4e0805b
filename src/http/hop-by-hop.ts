/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): a proxy removes `Connection`, every field that `Connection`
 * names (except the framing ones), and the fields known to be hop-by-hop (`Keep-Alive`, `Proxy-Connection`, `TE`,
 * `Transfer-Encoding`, `Upgrade`) before forwarding, and frames the next hop itself. What framing
 * needs from the removed fields is returned next to the end-to-end headers.
 * @module
 */
import { HeaderList } from './toxics/header-list.js';

const ALWAYS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade']);

/**
 * Fields `Connection` may name but never remove: they frame the message (or say where it goes).
 * Dropping `Content-Length` because a client listed it would forward its body unframed, and the
 * upstream would read that body as a request the proxy never saw (request smuggling).
 */
const PINNED: ReadonlySet<string> = new Set(['content-length', 'host']);

/** A message's headers split for forwarding. */
export interface SplitHeaders {
  /** End-to-end fields, in order, names as sent. */
  readonly headers: HeaderList;
  /** The `Transfer-Encoding` value (every field joined), if any. */
  readonly transferEncoding: string | undefined;
  /** The `Upgrade` value (every field joined), if any. */
  readonly upgrade: string | undefined;
  /** Lower-cased `Connection` options (`close`, `upgrade`, field names …). */
  readonly connection: ReadonlySet<string>;
}

function joined(values: string[]): string | undefined {
  return values.length === 0 ? undefined : values.join(', ');
}

/** Splits Node's `rawHeaders` into end-to-end fields and what the hop-by-hop ones said. */
export function splitHeaders(raw: readonly string[]): SplitHeaders {
  const connection = new Set<string>();
  const encodings: string[] = [];
  const upgrades: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'connection' || name === 'proxy-connection') {
      for (const token of value.split(',')) if (token.trim() !== '') connection.add(token.trim().toLowerCase());
    } else if (name === 'transfer-encoding') encodings.push(value);
    else if (name === 'upgrade') upgrades.push(value);
  }
  const headers = new HeaderList();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const lower = name.toLowerCase();
    if (ALWAYS.has(lower) || (connection.has(lower) && !PINNED.has(lower))) continue;
    headers.append(name, raw[i + 1] ?? '');
  }
  return { headers, transferEncoding: joined(encodings), upgrade: joined(upgrades), connection };
}

/** True when a `Transfer-Encoding` value has a coding besides `chunked` (which Node does not undo). */
export function hasOtherCodings(transferEncoding: string | undefined): boolean {
  if (transferEncoding === undefined) return false;
  return transferEncoding.split(',').some((c) => c.trim() !== '' && c.trim().toLowerCase() !== 'chunked');
}
