/**
 * The certificates TLS-terminating proxies present: good ones issued by the local CA, and ones
 * with a chosen defect for `tls_certificate`. One key pair serves every leaf (made once); each
 * (names, defect, highest version) gets one secure context, kept in a bounded cache, so a client
 * that asks for many SNI names costs at most {@link MAX_CACHED_CONTEXTS} contexts.
 * @module
 */
import type { KeyObject } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { nodeTls } from '../lazy-builtin.js';
import { issueCertificate, newKeyPair } from './certificate-issuer.js';
import { createCa, type LocalCa } from './local-ca.js';
import type { CertificateFault } from './toxics/tls-certificate.js';
import type { TlsVersion } from './toxics/tls-handshake.js';

/** Secure contexts kept at most; the least recently used goes first. */
export const MAX_CACHED_CONTEXTS = 256;

/** The only name a `wrong_host` certificate is valid for (`.invalid` never resolves). */
export const WRONG_HOST_NAME = 'wrong-host.faultline.invalid';

const DAY_MS = 86_400_000;

/** A certificate and its key, as PEM. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

/** What a context is made for. */
export interface ContextRequest {
  /** The names the certificate is valid for (the SNI name, or the listen host's). */
  readonly names: readonly string[];
  readonly fault?: CertificateFault | undefined;
  readonly maxVersion?: TlsVersion | undefined;
}

/** Issues and caches the certificates of every proxy of an engine. */
export class CertificateStore {
  private leafKeys: Promise<{ privateKey: KeyObject; publicKey: KeyObject }> | undefined;
  private unknownCa: Promise<LocalCa> | undefined;
  private readonly contexts = new Map<string, Promise<SecureContext>>();

  constructor(
    private readonly ca: () => Promise<LocalCa>,
    /** Real time, ms since the epoch: clients check validity against their own clocks. */
    private readonly wallClock: () => number,
    private readonly maxContexts = MAX_CACHED_CONTEXTS,
  ) {}

  /** Contexts cached right now. */
  get size(): number {
    return this.contexts.size;
  }

  /** The secure context for `request`, issued on first use. */
  context(request: ContextRequest): Promise<SecureContext> {
    const key = `${request.fault ?? 'good'}|${request.maxVersion ?? ''}|${request.names.join(',')}`;
    const cached = this.contexts.get(key);
    if (cached !== undefined) {
      // Most recently used last: the first key is the one to evict.
      this.contexts.delete(key);
      this.contexts.set(key, cached);
      return cached;
    }
    const made = this.pair(request.names, request.fault).then((pair) =>
      nodeTls().createSecureContext({ ...pair, minVersion: 'TLSv1.2', ...(request.maxVersion ? { maxVersion: request.maxVersion } : {}) }),
    );
    // A failure is not kept: the next handshake tries again.
    made.catch(() => this.contexts.get(key) === made && this.contexts.delete(key));
    this.contexts.set(key, made);
    while (this.contexts.size > this.maxContexts) {
      const oldest = this.contexts.keys().next().value as string;
      this.contexts.delete(oldest);
    }
    return made;
  }

  /** A certificate for `names` with `fault`, and the key it goes with. */
  async pair(names: readonly string[], fault?: CertificateFault): Promise<CertificatePair> {
    this.leafKeys ??= newKeyPair();
    const { privateKey, publicKey } = await this.leafKeys;
    const now = this.wallClock();
    const valid = {
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 365 * DAY_MS),
    };
    const validity =
      fault === 'expired'
        ? { notBefore: new Date(now - 30 * DAY_MS), notAfter: new Date(now - DAY_MS) }
        : fault === 'not_yet_valid'
          ? { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 30 * DAY_MS) }
          : valid;
    const subjectNames = fault === 'wrong_host' ? [WRONG_HOST_NAME] : names;
    const issuer = fault === 'self_signed' ? undefined : fault === 'untrusted' ? await this.untrustedCa() : await this.ca();
    const cert = await issueCertificate({
      commonName: subjectNames[0] ?? 'localhost',
      names: subjectNames,
      ...validity,
      ca: false,
      publicKey,
      issuer,
      selfKey: privateKey,
    });
    return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
  }

  /** A CA no client trusts (made once, in memory). */
  private untrustedCa(): Promise<LocalCa> {
    this.unknownCa ??= createCa('Faultline untrusted CA', this.wallClock());
    return this.unknownCa;
  }
}
