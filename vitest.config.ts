import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Two projects, run together by `vitest run` (one report, one total) or apart with `--project`:
 * - unit: the tests beside the code and the examples', in-process on loopback; no root, no Redis or
 *   PostgreSQL, no build. `faultline` (as the examples import it) is the source itself.
 * - e2e: the built CLI as a process, real clients and servers, network namespaces, the bench check.
 * Time limits are hang guards, set for a machine whose cores are busy with other work.
 */
export default defineConfig({
  resolve: { alias: [{ find: /^faultline$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'examples/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Concurrent tests (the scenario library's runs) two at a time: each run is a CLI process
          // probing every few milliseconds, and more at once would starve each other of the CPU.
          maxConcurrency: 2,
        },
      },
    ],
  },
});
