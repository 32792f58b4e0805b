/**
 * `tls_certificate`: new handshakes get a certificate with a defect, so clients fail with their own
 * error for it (expired, not yet valid, wrong host, unknown CA, self-signed). Removing it restores
 * the good certificate for new handshakes.
 * @module
 */
import { z } from 'zod';
import { defineTlsToxic, TLS_LAYER } from './tls-layer.js';

/** The defects a certificate may be given. */
export const CERTIFICATE_FAULTS = ['expired', 'not_yet_valid', 'wrong_host', 'untrusted', 'self_signed'] as const;
export type CertificateFault = (typeof CERTIFICATE_FAULTS)[number];

const attributes = () =>
  z.object({
    fault: z
      .enum(CERTIFICATE_FAULTS, {
        error: (issue) => `expected one of ${CERTIFICATE_FAULTS.join(', ')}, got ${JSON.stringify(issue.input)}`,
      })
      .default('expired')
      .describe(
        'the defect: `expired`, `not_yet_valid`, `wrong_host` (valid for another name only), `untrusted` (issued by a CA no one trusts) or `self_signed`',
      ),
  });

export const tlsCertificate = defineTlsToxic({
  type: 'tls_certificate',
  layer: TLS_LAYER,
  summary: 'Presents a certificate with a defect (expired, not yet valid, wrong host, untrusted, self-signed) on new handshakes.',
  destructive: 'clients that check certificates refuse the connection',
  attributes,
  create: (attrs) => attrs,
});
