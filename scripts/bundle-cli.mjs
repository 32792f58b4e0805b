// Bundles the `faultline` executable from the compiled sources in dist/src into dist/bin/: main.js,
// one chunk per command (so `serve` never reads the scenario runner) and the scenario parser's
// worker. One file per command instead of some 500 modules: Node spends most of a start resolving,
// reading and linking modules, and this roughly halves a server's time to ready. dist/src stays the
// library (package.json "exports"); run by `npm run build` after tsc.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const out = here('../dist/bin/');

await rm(out, { recursive: true, force: true });
await build({
  entryPoints: { main: here('../dist/src/cli/main.js'), 'parse-worker': here('../dist/src/scenario/parse-worker.js') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
});
