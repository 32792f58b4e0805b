/**
 * The `--tls-*` flags of `faultline create`, turned into a proxy's `tls` object (docs/tls.md).
 * @module
 */
import { UsageError } from './args.js';

/** The flags, for a command's flag table. */
export const tlsFlags = {
  'tls-listen': {
    type: 'string',
    placeholder: 'auto|CERT',
    description: 'terminate TLS from clients: auto (a certificate from the local CA) or a PEM certificate file (with --tls-key)',
  },
  'tls-key': { type: 'string', placeholder: 'KEY', description: 'the PEM private key of --tls-listen CERT (mode 600)' },
  'tls-alpn': { type: 'string', placeholder: 'LIST', description: 'ALPN protocols offered to clients, comma-separated (e.g. http/1.1)' },
  'tls-upstream': { type: 'boolean', description: 'originate TLS to the upstream, verifying its certificate' },
  'tls-servername': {
    type: 'string',
    placeholder: 'NAME',
    description: "the upstream's name for SNI and verification (implies --tls-upstream)",
  },
  'tls-ca': {
    type: 'string',
    placeholder: 'FILE',
    description: 'PEM CA certificates to verify the upstream with (implies --tls-upstream)',
  },
  'tls-insecure': { type: 'boolean', description: 'originate TLS without verifying the upstream (implies --tls-upstream)' },
} as const;

/** What the parsed flags hold. */
export interface TlsFlagValues {
  'tls-listen'?: string | undefined;
  'tls-key'?: string | undefined;
  'tls-alpn'?: string | undefined;
  'tls-upstream'?: boolean | undefined;
  'tls-servername'?: string | undefined;
  'tls-ca'?: string | undefined;
  'tls-insecure'?: boolean | undefined;
}

/** The `tls` object the flags ask for, or undefined when they ask for none. */
export function tlsFromFlags(values: TlsFlagValues): Record<string, unknown> | undefined {
  const cert = values['tls-listen']?.trim();
  const key = values['tls-key']?.trim();
  const alpn = values['tls-alpn']
    ?.split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (cert === undefined && (key !== undefined || alpn !== undefined)) {
    throw new UsageError('--tls-key and --tls-alpn go with --tls-listen');
  }
  const servername = values['tls-servername']?.trim();
  const ca = values['tls-ca']?.trim();
  const insecure = values['tls-insecure'] === true;
  const originate = values['tls-upstream'] === true || servername !== undefined || ca !== undefined || insecure;
  if (cert === undefined && !originate) return undefined;
  return {
    ...(cert !== undefined ? { listen: { cert, ...(key ? { key } : {}), ...(alpn && alpn.length > 0 ? { alpn } : {}) } } : {}),
    ...(originate ? { upstream: { verify: !insecure, ...(servername ? { servername } : {}), ...(ca ? { ca } : {}) } } : {}),
  };
}
