/**
 * Reading and writing the state file. Writes are atomic (a temporary file beside it, synced, then
 * renamed over it), so a crash leaves the old state or the new one, never half of one. A file that
 * cannot be read back is reported with where it is wrong and left untouched.
 * @module
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatPath, parseLocatedText } from '../text/located-text.js';
import { readLimited } from '../text/read-limited.js';
import { writeFileAtomically } from '../text/atomic-write.js';
import { configSchemas, type ProxyDefinition } from '../config/schema.js';
import { MAX_CONFIG_FILE_BYTES, MAX_STATE_FILE_BYTES } from '../limits.js';
import { FaultlineError } from '../errors.js';
import type { ToxicLookup } from '../core/toxic-contract.js';

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

function isStateObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'proxies' in value;
}

/**
 * The proxies saved in `path`, or undefined when there is no such file (a first start). Toxic
 * types are those of `toxics` (default: the built-in ones).
 */
export async function readStateFile(path: string, toxics?: ToxicLookup): Promise<ProxyDefinition[] | undefined> {
  const configSchema = configSchemas(toxics).config;
  let text: string;
  try {
    text = await readLimited(path, MAX_STATE_FILE_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(path, (err as Error).message);
  }
  if (text.trim() === '') throw new StateFileError(path, 'the file is empty');
  // The server writes JSON: read it as such, which costs little whatever the size.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const result = value === undefined ? undefined : configSchema.safeParse(value);
  if (result?.success && isStateObject(value)) return result.data.proxies;
  // Not what the server writes: parse again, keeping positions, to say where it is wrong.
  if (text.length > MAX_CONFIG_FILE_BYTES)
    throw new StateFileError(path, 'the file is not a valid state file (too large to locate the mistake)');
  let parsed: ReturnType<typeof parseLocatedText>;
  try {
    parsed = parseLocatedText(text, path);
  } catch (err) {
    throw new StateFileError(path, (err as Error).message);
  }
  if (!isStateObject(parsed.value)) throw new StateFileError(path, 'expected an object with a "proxies" list');
  const located = configSchema.safeParse(parsed.value);
  if (!located.success) {
    const issues = located.error.issues.map(
      (i) => `${parsed.locate(i.path as Array<string | number>)}: ${formatPath(i.path as Array<string | number>)}: ${i.message}`,
    );
    throw new StateFileError(path, issues.join('; '));
  }
  return located.data.proxies;
}

/**
 * Throws STATE_INVALID when the directory of `path` is writable by other users (group or world
 * write, or owned by someone else): they could plant a file or link there for the server to read or
 * replace. `allowShared` accepts such a directory anyway.
 */
export async function checkStateDirectory(path: string, allowShared = false): Promise<void> {
  if (allowShared) return;
  const dir = dirname(resolve(path));
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    // A missing directory is reported by the first write, with its own message.
    return;
  }
  const uid = process.getuid?.();
  const foreign = uid !== undefined && info.uid !== uid && info.uid !== 0;
  if ((info.mode & 0o022) === 0 && !foreign) return;
  const who = foreign
    ? `belongs to another user (uid ${info.uid})`
    : `is writable by other users (mode ${(info.mode & 0o777).toString(8)})`;
  throw new FaultlineError(
    'STATE_INVALID',
    `state file ${path}: its directory ${dir} ${who}, who could plant a link there to a file of yours; ` +
      'keep the state in a directory only this user can write, or accept it with --allow-shared-state-dir (server.allow_shared_state_dir)',
  );
}

/**
 * Writes `text` to `path` atomically, readable by its owner only (`text/atomic-write.ts`).
 */
export async function writeStateFile(path: string, text: string): Promise<void> {
  await writeFileAtomically(path, text, 0o600);
}
