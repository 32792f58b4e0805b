/**
 * Reading the PEM files a `tls` setting names: bounded in size, and a private key only when no one
 * but its owner can read it. Errors name the setting and the path, never the file's content.
 * @module
 */
import { open } from 'node:fs/promises';
import { FaultlineError } from '../errors.js';
import { readLimited } from '../text/read-limited.js';

/** The largest PEM file read (certificate chains, CA bundles, keys). */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;

function unreadable(setting: string, path: string, err: unknown): FaultlineError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EFBIG'
          ? `larger than ${MAX_PEM_FILE_BYTES} bytes`
          : (err as Error).message;
  return new FaultlineError('TLS_INVALID', `${setting}: cannot read ${path}: ${why}`, { cause: err });
}

/** A certificate or CA file. */
export async function readPemFile(setting: string, path: string): Promise<string> {
  try {
    return await readLimited(path, MAX_PEM_FILE_BYTES);
  } catch (err) {
    throw unreadable(setting, path, err);
  }
}

/**
 * A private key file; refused when its group or others may read it (or write it), as ssh refuses
 * such a key: a key others can read is no longer private.
 */
export async function readKeyFile(setting: string, path: string): Promise<string> {
  let mode: number;
  try {
    const handle = await open(path, 'r');
    try {
      mode = (await handle.stat()).mode;
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw unreadable(setting, path, err);
  }
  if ((mode & 0o077) !== 0) {
    throw new FaultlineError(
      'TLS_INVALID',
      `${setting}: ${path} may be read by group or others (mode ${(mode & 0o777).toString(8)}): make it readable by its owner only (chmod 600 ${path})`,
    );
  }
  return readPemFile(setting, path);
}
