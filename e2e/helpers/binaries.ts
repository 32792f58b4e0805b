/**
 * Finding the server binaries the real-service tests run (Redis, PostgreSQL). A missing one fails
 * the test with what to install; it never skips.
 * @module
 */
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL's Debian install directories (`/usr/lib/postgresql/<version>/bin`), newest first. */
function postgresDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

/**
 * The path of `name`, looked up on PATH and then in PostgreSQL's Debian directories.
 * @throws when it is nowhere, saying which Debian package provides it.
 */
export function findBinary(name: string, debianPackage: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...postgresDirs()];
  for (const dir of dirs) {
    const path = join(dir, name);
    if (executable(path)) return path;
  }
  throw new Error(
    `${name} was not found on PATH or in /usr/lib/postgresql/*/bin. The real-service e2e tests need it: ` +
      `install it with "apt-get install --no-install-recommends ${debianPackage}" (.ci/run does this when it is missing).`,
  );
}
