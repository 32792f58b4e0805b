/**
 * Attribute building blocks shared by the HTTP toxics: header names and values, status codes,
 * methods. Each rejects bad input with a message that says what is allowed.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { once } from '../../core/toxic-contract.js';

/** RFC 9110 `token`: what header names and methods are made of. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node accepts in a header value: tab, visible ASCII, space, obs-text; never CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Headers that frame or steer the connection itself. The proxy manages them (RFC 9110 §7.6.1 and
 * message framing), so toxics may not set or remove them.
 */
export const MANAGED_HEADERS: readonly string[] = [
  'connection',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** True when `name` is a valid header field name. */
export function isHeaderName(name: string): boolean {
  return HTTP_TOKEN.test(name);
}

/** A header field name (RFC 9110 token). */
export const headerName = once(() =>
  z.string().refine(isHeaderName, {
    error: (issue) =>
      `invalid header name ${JSON.stringify(issue.input)}: use letters, digits and !#$%&'*+-.^_\`|~ only (no spaces, colons or control characters)`,
  }),
);

/** A header name a toxic may set or remove: valid, and not one the proxy manages. */
export const editableHeaderName = once(() =>
  headerName().refine((name) => !MANAGED_HEADERS.includes(name.toLowerCase()), {
    error: (issue) => `header ${JSON.stringify(issue.input)} frames the message or the connection; the proxy manages it`,
  }),
);

/** A header field value: no CR, LF or other control characters except tab. */
export const headerValue = once(() =>
  z
    .string({ error: (issue) => `expected a header value (a string), got ${typeof issue.input}` })
    .max(8192, { error: 'header value longer than 8192 characters' })
    .refine((v) => FIELD_VALUE.test(v), { error: 'invalid header value: control characters (CR, LF, NUL …) are not allowed' }),
);

/**
 * `{ "Name": value, … }` whose keys must pass `names`; a bad key is reported at its own path with the
 * name schema's message.
 */
export function namedRecord<V extends z.ZodType>(names: z.ZodType<string>, value: V) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      const result = names.safeParse(key);
      if (!result.success) ctx.addIssue({ code: 'custom', path: [key], message: result.error.issues[0]?.message ?? 'invalid name' });
    }
  });
}

/** `{ "Name": "value", … }` with names a toxic may set. */
export const headerMap = once(() => namedRecord(editableHeaderName(), headerValue()).default({}).meta({ unit: '`{ "Name": "value" }`' }));

/** An HTTP method (a token; compared upper-cased). */
export const method = once(() =>
  z
    .string()
    .refine((m) => HTTP_TOKEN.test(m), {
      error: (issue) => `invalid HTTP method ${JSON.stringify(issue.input)}: a method is a token such as GET or POST`,
    })
    .transform((m) => m.toUpperCase()),
);

/** A final HTTP status code (200–599) from the IANA registry, as Node knows it. */
export function statusCode(fallback: number) {
  return z
    .number({ error: (issue) => `expected an HTTP status code (a number), got ${JSON.stringify(issue.input)}` })
    .int({ error: (issue) => `expected a whole HTTP status code, got ${String(issue.input)}` })
    .refine((s) => s >= 200 && s <= 599 && STATUS_CODES[s] !== undefined, {
      error: (issue) => `unknown HTTP status ${String(issue.input)}: use a registered final status from 200 to 599, e.g. 503`,
    })
    .default(fallback)
    .meta({ unit: 'HTTP status' });
}
