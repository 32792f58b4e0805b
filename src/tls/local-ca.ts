/**
 * Faultline's local CA: made once, kept next to the state file when there is one (so clients that
 * trust it keep trusting it across restarts), in memory otherwise. It issues the certificates that
 * `tls.listen: {cert: auto}` presents; `GET /faultline/ca.pem` hands out its certificate.
 * @module
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { issueCertificate, newKeyPair, readCertificate, type Issuer } from './certificate-issuer.js';
import { writeFileAtomically } from '../text/atomic-write.js';
import { readKeyFile, readPemFile } from './pem-files.js';

/** The CA's files in the state directory. */
export const CA_CERT_FILE = 'faultline-ca.pem';
export const CA_KEY_FILE = 'faultline-ca-key.pem';

const DAY_MS = 86_400_000;
/** The CA is valid ten years, from a day before it was made (clocks differ). */
const CA_LIFETIME_MS = 3650 * DAY_MS;

/** A CA: its certificate as PEM, and what signs with it. */
export interface LocalCa extends Issuer {
  readonly pem: string;
}

/** A new CA called `commonName`, valid from a day before `now`. */
export async function createCa(commonName: string, now: number): Promise<LocalCa> {
  const { privateKey, publicKey } = await newKeyPair();
  const pem = await issueCertificate({
    commonName,
    names: [],
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + CA_LIFETIME_MS),
    ca: true,
    publicKey,
    selfKey: privateKey,
  });
  return { pem, key: privateKey, cert: await readCertificate(pem) };
}

function exists(err: unknown): boolean {
  return (err as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT';
}

/**
 * The CA kept in `dir`: read when its files are there (the key must be readable by its owner
 * only), made and written (the key with mode 600) when they are not.
 */
export async function loadOrCreateCa(dir: string, now: number): Promise<LocalCa> {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  let pem: string | undefined;
  try {
    pem = await readPemFile('local CA', certPath);
  } catch (err) {
    if (exists(err)) throw err;
  }
  if (pem !== undefined) {
    const keyPem = await readKeyFile('local CA key', keyPath);
    const key: KeyObject = createPrivateKey(keyPem);
    return { pem, key, cert: await readCertificate(pem) };
  }
  const ca = await createCa('Faultline local CA', now);
  // The key first: a certificate is never kept without the key that signs with it.
  await writeFileAtomically(keyPath, ca.key.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  await writeFileAtomically(certPath, ca.pem, 0o644);
  return ca;
}
