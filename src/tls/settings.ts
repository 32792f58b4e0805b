/**
 * A proxy's `tls` setting as the API, config files, the state file and scenarios write it: one zod
 * schema for all of them, its 400 wording for the API, and its JSON on the wire (only what is set,
 * `verify` always).
 * @module
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { errors } from '../errors.js';
import type { ProxyTls } from '../core/tls-contract.js';
import { formatPath } from '../text/value-path.js';

/** The longest file path a setting may name. */
const MAX_PATH_LENGTH = 4096;
/** ALPN: at most this many protocols, each a printable ASCII name of 1–255 bytes (RFC 7301). */
const MAX_ALPN_PROTOCOLS = 8;
/** A DNS name for SNI: letters, digits, hyphens, dots, underscores; at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

const path = (what: string) =>
  z
    .string({ error: (issue) => `expected the path of ${what} as a string, got ${typeof issue.input}` })
    .min(1, { error: `expected the path of ${what}, got an empty string` })
    .max(MAX_PATH_LENGTH, { error: `a path longer than ${MAX_PATH_LENGTH} characters` });

const listenSchema = z
  .strictObject({
    cert: z
      .string({ error: (issue) => `expected "auto" or the path of a PEM certificate, got ${typeof issue.input}` })
      .min(1, { error: 'expected "auto" or the path of a PEM certificate, got an empty string' })
      .max(MAX_PATH_LENGTH, { error: `a path longer than ${MAX_PATH_LENGTH} characters` })
      .describe(
        '"auto": a certificate for the listen host (and SNI names) issued by the local CA; or the path of a PEM certificate chain.',
      ),
    key: path('a PEM private key')
      .optional()
      .describe('The PEM private key of a `cert` path (readable by its owner only); not with "auto".'),
    alpn: z
      .array(z.string().regex(/^[\x21-\x7e]{1,255}$/, { error: 'expected an ALPN protocol name (printable ASCII, 1–255 characters)' }))
      .min(1, { error: 'expected at least one ALPN protocol' })
      .max(MAX_ALPN_PROTOCOLS, { error: `at most ${MAX_ALPN_PROTOCOLS} ALPN protocols` })
      .optional()
      .describe('ALPN protocols offered to clients, most preferred first (default: none; ["http/1.1"] on http proxies).'),
  })
  .superRefine((listen, ctx) => {
    if (listen.cert === 'auto' && listen.key !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'cert "auto" brings its own key: leave key out' });
    }
    if (listen.cert !== 'auto' && listen.key === undefined) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'a cert path needs the path of its private key' });
    }
  });

const upstreamSchema = z.strictObject({
  verify: z
    .boolean({ error: 'expected verify as true or false' })
    .default(true)
    .describe("Check the upstream's certificate chain and host name (default true)."),
  servername: z
    .string()
    .refine((name) => HOST_NAME.test(name) && isIP(name) === 0, { error: 'expected a DNS host name (not an IP address)' })
    .optional()
    .describe("The name sent in SNI and checked against the upstream's certificate (default: the upstream's host)."),
  ca: path('PEM CA certificates').optional().describe("PEM CA certificates to trust for the upstream instead of the system's."),
});

/** The `tls` object of a proxy (config files, state, API, scenarios). `{}` is no TLS. */
export const tlsSchema = z
  .strictObject({
    listen: listenSchema.optional().describe('Terminate TLS from clients.'),
    upstream: upstreamSchema.optional().describe('Originate TLS to the upstream, verifying it by default.'),
  })
  .describe('TLS on tcp and http proxies: terminate (listen), originate (upstream), or both (docs/tls.md).');

/** The settings of a parsed `tls` object, or undefined when it sets neither side. */
export function tlsSettingsOf(value: ProxyTls | undefined): ProxyTls | undefined {
  if (value === undefined || (value.listen === undefined && value.upstream === undefined)) return undefined;
  const { listen, upstream } = value;
  return {
    ...(listen
      ? { listen: { cert: listen.cert, ...(listen.key ? { key: listen.key } : {}), ...(listen.alpn ? { alpn: listen.alpn } : {}) } }
      : {}),
    ...(upstream
      ? {
          upstream: {
            verify: upstream.verify,
            ...(upstream.servername ? { servername: upstream.servername } : {}),
            ...(upstream.ca ? { ca: upstream.ca } : {}),
          },
        }
      : {}),
  };
}

/**
 * A `tls` object of an API body; throws BAD_REQUEST_BODY naming the field (`tls.listen.key: …`).
 * Undefined when it sets neither side (`{}` removes TLS in an update).
 */
export function parseTls(value: unknown, suffix = ''): ProxyTls | undefined {
  const parsed = tlsSchema.safeParse(value);
  if (parsed.success) return tlsSettingsOf(parsed.data);
  const issue = parsed.error.issues[0];
  const where = formatPath(['tls', ...((issue?.path ?? []) as Array<string | number>)]);
  const message =
    issue?.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue?.message;
  throw errors.badRequestBody(`${where}: ${message ?? 'invalid'}${suffix}`);
}

/** The `tls` object on the wire and in the state file: what is set, `verify` always. */
export function tlsJson(tls: ProxyTls): Record<string, unknown> {
  return { ...tlsSettingsOf(tls) };
}
