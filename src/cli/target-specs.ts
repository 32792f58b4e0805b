/**
 * The targets of `faultline run` as the command line names them: an admin API URL
 * (`http://10.0.0.5:8474`), or `dns+http://NAME:PORT` — every address NAME resolves to (a
 * Kubernetes headless Service gives one per ready pod) — and `--targets FILE`, one of those a line.
 * @module
 */
import { MAX_FLEET_TARGETS, MAX_TARGETS_FILE_BYTES } from '../limits.js';
import { readLimited } from '../text/read-limited.js';

/** How a target is named. */
export type TargetSpec =
  | { kind: 'url'; url: string }
  /** Every A/AAAA record of `name`, each an admin API at `port`. */
  | { kind: 'dns'; text: string; scheme: 'http' | 'https'; name: string; port: number };

/** A target named wrong. */
export class TargetSpecError extends Error {
  override readonly name = 'TargetSpecError';
}

/** The admin API port when a `dns+http://` name gives none. */
const DEFAULT_ADMIN_PORT = 8474;

/** Reads one target: a URL (with or without its scheme) or `dns+http(s)://NAME[:PORT]`. */
export function parseTargetSpec(text: string): TargetSpec {
  const trimmed = text.trim();
  if (trimmed === '') throw new TargetSpecError('empty target');
  const dns = /^dns\+(https?):\/\/(.*)$/i.exec(trimmed);
  if (!dns) {
    if (/^dns\+/i.test(trimmed)) throw new TargetSpecError(`${trimmed}: discovery takes dns+http://NAME:PORT or dns+https://NAME:PORT`);
    return { kind: 'url', url: trimmed };
  }
  const scheme = (dns[1] ?? 'http').toLowerCase() as 'http' | 'https';
  let url: URL;
  try {
    url = new URL(`${scheme}://${dns[2] ?? ''}`);
  } catch {
    throw new TargetSpecError(`${trimmed}: not a name and port (dns+http://NAME:PORT)`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '')
    throw new TargetSpecError(`${trimmed}: discovery takes a name and a port only (dns+http://NAME:PORT)`);
  if (url.hostname === '') throw new TargetSpecError(`${trimmed}: missing name (dns+http://NAME:PORT)`);
  const port = url.port === '' ? DEFAULT_ADMIN_PORT : Number(url.port);
  return { kind: 'dns', text: `dns+${scheme}://${url.host}`, scheme, name: url.hostname, port };
}

/**
 * Reads a `--targets` file's text: one target a line; blank lines and `#` comments (whole lines or
 * after a target) are skipped. Every mistake is reported at once, each as `file:line: message`.
 */
export function parseTargetsFile(text: string, file: string): TargetSpec[] {
  const specs: TargetSpec[] = [];
  const issues: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    if (/\s/.test(line)) {
      issues.push(`${file}:${i + 1}: one target a line, got ${JSON.stringify(line)}`);
      return;
    }
    try {
      specs.push(parseTargetSpec(line));
    } catch (err) {
      if (!(err instanceof TargetSpecError)) throw err;
      issues.push(`${file}:${i + 1}: ${err.message}`);
    }
  });
  if (issues.length === 0 && specs.length === 0) issues.push(`${file}: no target in the file`);
  if (specs.length > MAX_FLEET_TARGETS) issues.push(`${file}: ${specs.length} targets, at most ${MAX_FLEET_TARGETS}`);
  if (issues.length > 0) throw new TargetSpecError(issues.join('\n'));
  return specs;
}

/** Reads a `--targets` file (at most {@link MAX_TARGETS_FILE_BYTES}). */
export async function readTargetsFile(path: string): Promise<TargetSpec[]> {
  let text: string;
  try {
    text = await readLimited(path, MAX_TARGETS_FILE_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TargetSpecError(`${path}: cannot read the targets${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`);
  }
  return parseTargetsFile(text, path);
}
