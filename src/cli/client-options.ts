/**
 * Which server the client verbs talk to, and how: `--url` (or toxiproxy-cli's `--host`/`-h`), then
 * `FAULTLINE_URL`, then `TOXIPROXY_URL`, then `http://127.0.0.1:8474`; `--token` or `FAULTLINE_TOKEN`.
 * @module
 */
import { AdminClient } from '../api/client.js';
import { FAULTLINE_VERSION } from '../api/version.js';
import { UsageError, type FlagSpecs, type FlagValues } from './args.js';

/**
 * The admin API address when nothing else is set. Toxiproxy's CLI says `localhost`; Faultline binds
 * 127.0.0.1, and `localhost` can resolve to ::1 first, so the default names the address it serves.
 */
export const DEFAULT_URL = 'http://127.0.0.1:8474';

/** The flags every client verb takes. */
export const CLIENT_FLAGS = {
  url: {
    type: 'string',
    placeholder: 'URL',
    description: `admin API to talk to (env FAULTLINE_URL, then TOXIPROXY_URL; default ${DEFAULT_URL})`,
  },
  host: { type: 'string', short: 'h', placeholder: 'URL', description: "the same as --url (toxiproxy-cli's name)" },
  token: { type: 'string', placeholder: 'TOKEN', description: 'bearer token for a server started with --token (env FAULTLINE_TOKEN)' },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpecs;

/** Where to connect and with which token. */
export interface ClientTarget {
  url: string;
  token: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Resolves the server from the flags and the environment.
 * @throws {UsageError} when `--url` and `--host` disagree.
 */
export function resolveTarget(values: FlagValues<typeof CLIENT_FLAGS>, env: Readonly<Record<string, string | undefined>>): ClientTarget {
  const url = nonEmpty(values.url);
  const host = nonEmpty(values.host);
  if (url !== undefined && host !== undefined && url !== host) {
    throw new UsageError('--url and --host name the same setting; give one of them');
  }
  return {
    url: url ?? host ?? nonEmpty(env['FAULTLINE_URL']) ?? nonEmpty(env['TOXIPROXY_URL']) ?? DEFAULT_URL,
    token: nonEmpty(values.token) ?? nonEmpty(env['FAULTLINE_TOKEN']),
  };
}

/** The User-Agent the CLI sends, in toxiproxy-cli's form: `faultline-cli/<version> (<os>/<arch>)`. */
export function cliUserAgent(): string {
  return `faultline-cli/${FAULTLINE_VERSION} (${process.platform}/${process.arch})`;
}

/** An admin client for `target`. */
export function createClient(target: ClientTarget): AdminClient {
  return new AdminClient(target.url, { token: target.token, userAgent: cliUserAgent() });
}
