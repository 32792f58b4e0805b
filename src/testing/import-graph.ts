/**
 * The import graph of the sources, read from the text: every relative `import … from`, `export … from`,
 * side-effect `import '…'` and `import('…')`, each marked type-only or not. TypeScript 7 has no
 * compiler API to ask, and a parser would be a dependency for what these few patterns cover in a
 * code base whose imports all use them.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** One import of one file: the file imported (relative to the root, `/`-separated). */
export interface ImportEdge {
  from: string;
  to: string;
  /** `import type`, `export type`, or every name marked `type`: gone at run time. */
  typeOnly: boolean;
  /** `import('…')`: loaded when first needed. */
  dynamic: boolean;
}

/** Every `.ts` file under `dir` (relative to `root`, `/`-separated), tests included. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(join(root, dir));
  return out.sort();
}

/** Comments blanked out (strings kept), so commented-out code does not count. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

const STATIC = /(?:^|[;\n}])\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const BARE = /(?:^|[;\n])\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/g;
const DYNAMIC = /import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The relative imports of one file. */
export function importsOf(root: string, file: string): ImportEdge[] {
  const text = stripComments(readFileSync(join(root, file), 'utf8'));
  const target = (spec: string): string =>
    normalize(join(dirname(file), spec.replace(/\.js$/, '.ts')))
      .split(sep)
      .join('/');
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(STATIC)) {
    const clause = m[3] ?? '';
    const names = /\{([^}]*)\}/.exec(clause)?.[1];
    const allTyped =
      names !== undefined &&
      !/^[\w$]+\s*,/.test(clause) &&
      names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .every((n) => n.startsWith('type '));
    edges.push({ from: file, to: target(m[4] ?? ''), typeOnly: m[2] !== undefined || allTyped, dynamic: false });
  }
  for (const m of text.matchAll(BARE)) edges.push({ from: file, to: target(m[1] ?? ''), typeOnly: false, dynamic: false });
  for (const m of text.matchAll(DYNAMIC)) edges.push({ from: file, to: target(m[1] ?? ''), typeOnly: false, dynamic: true });
  return edges;
}

/** Every cycle among `edges` (one per strongly connected set of files, as a path that closes on itself). */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      const selfLoop = (next.get(v) ?? []).includes(v);
      if (group.length > 1 || selfLoop) cycles.push(group.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}
