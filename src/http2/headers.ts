/**
 * HTTP/2 header blocks as the HTTP toxics see them: the regular fields as a {@link HeaderList} (in
 * the order sent, duplicates kept), pseudo-headers apart; and back to what node:http2 sends.
 * @module
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { HeaderList } from '../http/toxics/header-list.js';
import type { HttpReply } from '../http/toxics/http-types.js';
import { encodeGrpcMessage } from '../http/toxics/grpc-status.js';

/** A header block split into its pseudo-headers (`:method`, `:path`, …) and its fields. */
export interface SplitBlock {
  readonly pseudo: Record<string, string>;
  readonly fields: HeaderList;
}

/** Splits a block from node:http2's raw form (`[name, value, …]`), or its object form when there is none. */
export function splitBlock(headers: IncomingHttpHeaders, raw: readonly string[] | undefined): SplitBlock {
  const pseudo: Record<string, string> = {};
  const fields = new HeaderList();
  const flat = raw ?? Object.entries(headers).flatMap(([n, v]) => (Array.isArray(v) ? v.flatMap((x) => [n, x]) : [n, String(v)]));
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] ?? '';
    const value = flat[i + 1] ?? '';
    if (name.startsWith(':')) pseudo[name] = value;
    else fields.append(name, value);
  }
  return { pseudo, fields };
}

/** A block for node:http2: the pseudo-headers first, then the fields, names lower-cased, repeats as arrays. */
export function joinBlock(
  pseudo: Readonly<Record<string, string | number>>,
  fields: Iterable<readonly [string, string]>,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...pseudo };
  for (const [name, value] of fields) {
    const key = name.toLowerCase();
    const had = out[key];
    if (had === undefined) out[key] = value;
    else out[key] = Array.isArray(had) ? [...had, value] : [String(had), value];
  }
  return out;
}

/**
 * A block for node:http2 straight from a raw block as node:http2 received it (pseudo-headers first,
 * names lower-case): what {@link joinBlock} makes of {@link splitBlock}'s parts, in one pass, for a
 * message no toxic looks at.
 */
export function rawBlock(raw: readonly string[]): OutgoingHttpHeaders {
  // No prototype: a field called `__proto__` is a field like any other.
  const out: OutgoingHttpHeaders = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const had = out[name];
    if (had === undefined) out[name] = value;
    else if (Array.isArray(had)) had.push(value);
    else out[name] = [String(had), value];
  }
  return out;
}

/** The head block of a toxic's answer: a gRPC trailers-only answer, or the status and its headers. */
export function replyBlock(reply: HttpReply): OutgoingHttpHeaders {
  if (reply.grpc) {
    const grpc: Array<readonly [string, string]> = [
      ['content-type', 'application/grpc'],
      ['grpc-status', String(reply.grpc.status)],
      ...(reply.grpc.message === '' ? [] : [['grpc-message', encodeGrpcMessage(reply.grpc.message)] as const]),
    ];
    return joinBlock({ ':status': 200 }, [...grpc, ...reply.headers]);
  }
  return joinBlock({ ':status': reply.status, 'content-length': Buffer.byteLength(reply.body) }, reply.headers);
}
