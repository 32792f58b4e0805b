/**
 * A real headless browser for the dashboard tests: Debian's Chromium (`/usr/bin/chromium`, installed
 * by .ci/run when missing) driven by playwright-core, with a fresh profile each time, no network of
 * its own (no updates, sync or QUIC), and every process it starts closed afterwards.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** The switches every run uses. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** A running browser with its own profile directory. */
export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium; `extraArgs` add switches (say `--host-resolver-rules`). */
export async function launchBrowser(
  options: { extraArgs?: readonly string[]; viewport?: { width: number; height: number } } = {},
): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'faultline-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
      viewport: options.viewport ?? { width: 1440, height: 900 },
      timeout: 60_000,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(
      `could not start ${CHROMIUM} (install Debian's chromium package; .ci/run does when it is missing): ${(err as Error).message}`,
    );
  }
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
