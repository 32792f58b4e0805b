/**
 * Version numbers the API and CLI report.
 * @module
 */
import { readFileSync } from 'node:fs';

/**
 * The Toxiproxy API version Faultline speaks. Clients branch on it (the Ruby client uses PATCH only
 * from 2.6.0 on), so it mirrors the Toxiproxy release whose wire behaviour Faultline follows.
 */
export const TOXIPROXY_API_VERSION = '2.12.0';

/** Faultline's own version, read from its package.json (found by walking up from this file). */
export const FAULTLINE_VERSION: string = readOwnVersion();

function readOwnVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'faultline' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: keep walking up
    }
    dir = new URL('..', dir);
  }
  return '0.0.0';
}
