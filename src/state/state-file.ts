/**
 * Reading and writing the state file. Writes are atomic (a temporary file beside it, synced, then
 * renamed over it), so a crash leaves the old state or the new one, never half of one. A file that
 * cannot be read back is reported with where it is wrong and left untouched.
 * @module
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { formatPath } from '../config/config-error.js';
import { parseConfigText } from '../config/parse-text.js';
import { configSchema, type ProxyDefinition } from '../config/schema.js';
import { FaultlineError } from '../errors.js';

/** A state file that exists but cannot be used; startup stops on it and the file is kept. */
export class StateFileError extends FaultlineError {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(
      'STATE_INVALID',
      `state file ${path} cannot be used: ${why}\nThe file was left as it is: fix it, or move it away to start from the config's proxies.`,
    );
  }
}

/** The proxies saved in `path`, or undefined when there is no such file (a first start). */
export async function readStateFile(path: string): Promise<ProxyDefinition[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(path, (err as Error).message);
  }
  if (text.trim() === '') throw new StateFileError(path, 'the file is empty');
  let parsed: ReturnType<typeof parseConfigText>;
  try {
    parsed = parseConfigText(text, path);
  } catch (err) {
    throw new StateFileError(path, (err as Error).message);
  }
  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value) || !('proxies' in parsed.value)) {
    throw new StateFileError(path, 'expected an object with a "proxies" list');
  }
  const result = configSchema.safeParse(parsed.value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${parsed.locate(i.path as Array<string | number>)}: ${formatPath(i.path as Array<string | number>)}: ${i.message}`);
    throw new StateFileError(path, issues.join('; '));
  }
  return result.data.proxies;
}

/** Writes `text` to `path` atomically: temporary file, fsync, rename. */
export async function writeStateFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
}
