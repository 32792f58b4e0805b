// Bundles the `faultline` executable from the compiled sources in dist/src into dist/bin/: main.js,
// one chunk per command (so `serve` never reads the scenario runner) and the scenario parser's
// worker. One file per command instead of some 500 modules: Node spends most of a start resolving,
// reading and linking modules, and this roughly halves a server's time to ready. dist/src stays the
// library (package.json "exports"); run by `npm run build` after tsc. What `serve` parses before
// its first answer is what it waits for, so five modules of dependencies are replaced here by smaller
// or lazier ones with the same exports (scripts/bundle/, each says why; e2e/bundle.test.ts holds them
// to it), and mime-db's table is read as JSON.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const out = here('../dist/bin/');

/** Imports resolved to a smaller stand-in: the import, who imports it, the stand-in. */
const STAND_INS = [
  { filter: /^body-parser$/, importer: /node_modules[\\/]express[\\/]/, path: here('./bundle/body-parser.cjs') },
  { filter: /^iconv-lite$/, importer: /node_modules[\\/](body-parser|raw-body)[\\/]/, path: here('./bundle/iconv-lite.cjs') },
  { filter: /^\.\.\/locales\/index\.js$/, importer: /node_modules[\\/]zod[\\/]v4[\\/]/, path: here('./bundle/zod-locales.mjs') },
  { filter: /^mime-types$/, importer: /node_modules[\\/]/, path: here('./bundle/mime-types.cjs') },
  { filter: /^qs$/, importer: /node_modules[\\/]express[\\/]/, path: here('./bundle/qs.cjs') },
];

/** @type {import('esbuild').Plugin} */
const standIns = {
  name: 'stand-ins',
  setup(build) {
    for (const { filter, importer, path } of STAND_INS) {
      build.onResolve({ filter }, (args) => (importer.test(args.importer) ? { path } : undefined));
    }
    // mime-db's table (express loads it for every server) as a string for JSON.parse: V8 reads JSON
    // text about twice as fast as the same data written as an object literal, the bundle's default.
    build.onLoad({ filter: /[\\/]mime-db[\\/]db\.json$/ }, async (args) => {
      const table = JSON.stringify(JSON.parse(await readFile(args.path, 'utf8')));
      return { contents: `module.exports = JSON.parse(${JSON.stringify(table)});`, loader: 'js' };
    });
  },
};

await rm(out, { recursive: true, force: true });
await build({
  entryPoints: { main: here('../dist/src/cli/main.js'), 'parse-worker': here('../dist/src/scenario/parse-worker.js') },
  outdir: out,
  bundle: true,
  plugins: [standIns],
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'eof',
  // Strings and names with non-ASCII characters escaped (esbuild's default, said for the step below).
  charset: 'ascii',
  logLevel: 'warning',
});

// V8 keeps each script's source in memory (functions compile on first call), one byte per character
// unless a single character needs two, and then the whole source takes two. Code is ASCII already
// (charset above); what remains are the arrows and dashes of kept comments, escaped here. A non-ASCII
// character anywhere else stops the build rather than be rewritten.
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;
for (const name of await readdir(out)) {
  if (!name.endsWith('.js')) continue;
  const file = out + name;
  const lines = (await readFile(file, 'utf8')).split('\n');
  let changed = false;
  lines.forEach((line, i) => {
    if (!/[^\0-\x7f]/.test(line)) return;
    if (!COMMENT_LINE.test(line)) throw new Error(`${name}:${i + 1}: non-ASCII character outside a comment`);
    lines[i] = line.replace(/[^\0-\x7f]/gu, (char) => `\\u{${char.codePointAt(0)?.toString(16)}}`);
    changed = true;
  });
  if (changed) await writeFile(file, lines.join('\n'));
}
