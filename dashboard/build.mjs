// Builds the dashboard into dist/ui/: one bundled, minified script (Preact included), the page,
// its stylesheet and icon. Run by `npm run build`; the server serves dist/ui/ at /ui/.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const out = here('../dist/ui/');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: [here('src/main.tsx')],
  outfile: `${out}app.js`,
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'eof',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css', 'favicon.svg']) await copyFile(here(file), `${out}${file}`);
