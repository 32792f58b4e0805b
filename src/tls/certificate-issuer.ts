/**
 * Issues X.509 certificates: node-forge builds and encodes them (Node has no API to issue one), and
 * Node's native crypto makes the keys and signs, so issuing takes a millisecond rather than the tens
 * a pure-JavaScript RSA signature would. Keys are RSA 2048, which every TLS client takes.
 * node-forge is loaded on first use: a server without TLS proxies never loads it.
 * @module
 */
import { generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { pki } from 'node-forge';

type Forge = typeof import('node-forge');

let forgeLoading: Promise<Forge> | undefined;

/** node-forge, loaded once. */
export function loadForge(): Promise<Forge> {
  forgeLoading ??= import('node-forge').then((m) => ((m as { default?: Forge }).default ?? m) as Forge);
  return forgeLoading;
}

/** A fresh RSA key pair (made on libuv's thread pool: the event loop keeps turning). */
export function newKeyPair(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) =>
      err ? reject(err) : resolve({ privateKey, publicKey }),
    );
  });
}

/** Who signs a certificate: a CA's certificate (as forge reads it) and key. */
export interface Issuer {
  readonly cert: pki.Certificate;
  readonly key: KeyObject;
}

/** What a certificate says. */
export interface CertificateRequest {
  /** The subject's common name. */
  readonly commonName: string;
  /** DNS names and IP addresses it is valid for (none for a CA). */
  readonly names: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA certificate (signs others) rather than a server's. */
  readonly ca: boolean;
  readonly publicKey: KeyObject;
  /** The signer; undefined: self-signed with `selfKey`. */
  readonly issuer?: Issuer | undefined;
  /** The subject's own private key, to sign a self-signed certificate. */
  readonly selfKey?: KeyObject | undefined;
}

/** A random positive serial number, 16 bytes in hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}

/** Issues a certificate; resolves with it as PEM. */
export async function issueCertificate(request: CertificateRequest): Promise<string> {
  const forge = await loadForge();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(request.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = request.notBefore;
  cert.validity.notAfter = request.notAfter;
  const subject = [
    { name: 'commonName', value: request.commonName },
    { name: 'organizationName', value: 'Faultline' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(request.issuer ? request.issuer.cert.subject.attributes : subject);
  const extensions: object[] = request.ca
    ? [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        { name: 'subjectKeyIdentifier' },
      ]
    : [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: request.names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
      ];
  if (request.issuer) {
    const keyIdentifier = request.issuer.cert.generateSubjectKeyIdentifier().getBytes();
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier });
  }
  cert.setExtensions(extensions);
  const signer = request.issuer?.key ?? request.selfKey;
  if (!signer) throw new Error('a self-signed certificate needs its own key');
  // What forge's cert.sign() does, with Node's native RSA signature in place of forge's.
  const raw = cert as unknown as { siginfo: { algorithmOid: string }; signatureOid: string; tbsCertificate: unknown; signature: string };
  raw.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption as string;
  raw.signatureOid = raw.siginfo.algorithmOid;
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: pki.Certificate): import('node-forge').asn1.Asn1 }).getTBSCertificate(cert);
  raw.tbsCertificate = tbs;
  raw.signature = sign('sha256', Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary'), signer).toString('binary');
  return forge.pki.certificateToPem(cert);
}

/** A PEM certificate as forge reads it (to issue with it). */
export async function readCertificate(pem: string): Promise<pki.Certificate> {
  const forge = await loadForge();
  return forge.pki.certificateFromPem(pem);
}
