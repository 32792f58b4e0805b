/**
 * `tls_handshake`: breaks new handshakes: holds them (`stall`), resets the connection after the
 * ClientHello (`reset`), answers with a fatal `handshake_failure` alert (`alert`), or caps the TLS
 * version the proxy offers (`max_version`).
 * @module
 */
import { z } from 'zod';
import { wholeNumber } from '../../toxics/attributes.js';
import { defineTlsToxic, TLS_LAYER } from './tls-layer.js';

export const HANDSHAKE_FAULTS = ['stall', 'reset', 'alert', 'max_version'] as const;
export type HandshakeFault = (typeof HANDSHAKE_FAULTS)[number];

/** The TLS versions a proxy may be capped at. */
export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

const attributes = () =>
  z.object({
    fault: z
      .enum(HANDSHAKE_FAULTS, { error: (issue) => `expected one of ${HANDSHAKE_FAULTS.join(', ')}, got ${JSON.stringify(issue.input)}` })
      .default('stall')
      .describe(
        '`stall` (hold the handshake), `reset` (RST after the ClientHello), `alert` (a fatal handshake_failure alert) or `max_version` (cap the version offered)',
      ),
    delay: wholeNumber('ms').describe('`stall`: how long to hold each handshake; 0 holds it until the toxic is removed'),
    version: z
      .enum(TLS_VERSIONS, { error: (issue) => `expected ${TLS_VERSIONS.join(' or ')}, got ${JSON.stringify(issue.input)}` })
      .default('TLSv1.2')
      .describe('`max_version`: the highest version the proxy offers'),
  });

export const tlsHandshake = defineTlsToxic({
  type: 'tls_handshake',
  layer: TLS_LAYER,
  summary: 'Stalls, resets or fails new TLS handshakes with an alert, or caps the TLS version offered.',
  destructive: 'handshakes fail or hang: clients get no connection',
  attributes,
  create: (attrs) => attrs,
});
