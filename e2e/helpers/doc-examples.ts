/**
 * Reading the shell examples of a Markdown document (the README, docs/*.md): fenced `sh` blocks,
 * the commands in them, and the output a block documents in the fenced `json` or `text` block right
 * after it.
 * @module
 */

/** One fenced block of a Markdown document. */
export interface FencedBlock {
  /** The info string's first word (`sh`, `json`, …), lower case. */
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** A shell example and the output documented after it. */
export interface ShellExample {
  commands: string[];
  line: number;
  /** The block right after the example, when it is `json` or `text` and nothing but blank lines separate them. */
  output?: { lang: 'json' | 'text'; body: string };
}

/** Every fenced block (``` or ~~~) in `markdown`, in order, with whether only blank lines precede it since the last one. */
export function fencedBlocks(markdown: string): Array<FencedBlock & { adjacent: boolean }> {
  const lines = markdown.split('\n');
  const blocks: Array<FencedBlock & { adjacent: boolean }> = [];
  let adjacent = false;
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] ?? '');
    if (!open) {
      if ((lines[i] ?? '').trim() !== '') adjacent = false;
      continue;
    }
    const fence = open[2] ?? '```';
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? '').trim().startsWith(fence)) body.push(lines[j++] ?? '');
    blocks.push({ lang: (open[3] ?? '').toLowerCase(), body: body.join('\n'), line: i + 1, adjacent });
    i = j;
    adjacent = true;
  }
  return blocks;
}

/**
 * Splits a shell block into commands: a command ends at a line break outside quotes and not
 * escaped by a trailing backslash; blank and comment lines between commands are skipped.
 */
export function splitCommands(block: string): string[] {
  const commands: string[] = [];
  let current: string[] = [];
  let quote: "'" | '"' | undefined;
  for (const line of block.split('\n')) {
    if (quote === undefined && current.length === 0 && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    current.push(line);
    let escaped = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote === "'") {
        if (c === "'") quote = undefined;
      } else if (c === '\\') {
        i++;
        escaped = i >= line.length;
      } else if (quote === '"') {
        if (c === '"') quote = undefined;
      } else if (c === "'" || c === '"') {
        quote = c;
      } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
        break;
      }
    }
    if (quote === undefined && !escaped) {
      commands.push(current.join('\n'));
      current = [];
    }
  }
  if (current.length > 0) commands.push(current.join('\n'));
  return commands;
}

/** The `sh` blocks of `markdown` that contain `curl`, with the output each one documents. */
export function curlExamples(markdown: string): ShellExample[] {
  const blocks = fencedBlocks(markdown);
  const examples: ShellExample[] = [];
  blocks.forEach((block, i) => {
    if (!['sh', 'bash', 'shell'].includes(block.lang) || !/\bcurl\b/.test(block.body)) return;
    const next = blocks[i + 1];
    const lang = next?.adjacent === true ? next.lang : undefined;
    const output: ShellExample['output'] =
      next !== undefined && (lang === 'json' || lang === 'text') ? { lang: lang === 'json' ? 'json' : 'text', body: next.body } : undefined;
    examples.push({ commands: splitCommands(block.body), line: block.line, ...(output ? { output } : {}) });
  });
  return examples;
}

const SEMVER = /^\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/;

const EPHEMERAL_LISTEN = /^(.*):(\d+)$/;

/** Options for {@link jsonDifferences}. */
export interface CompareOptions {
  /** The document listens on port 0 somewhere: a documented `listen` port stands for any port. */
  ephemeralPorts?: boolean;
}

/**
 * Where `actual` differs from the documented `expected` JSON: values must be equal, except that a
 * documented version number (`0.1.0`) stands for any version number, and with `ephemeralPorts` a
 * documented `listen` address matches the same host on any port.
 */
export function jsonDifferences(actual: unknown, expected: unknown, path = '$', options: CompareOptions = {}): string[] {
  if (options.ephemeralPorts && path.endsWith('.listen') && typeof expected === 'string' && typeof actual === 'string') {
    const want = EPHEMERAL_LISTEN.exec(expected);
    const got = EPHEMERAL_LISTEN.exec(actual);
    if (want && got && want[1] === got[1]) return [];
  }
  // A lease shows the milliseconds left: by the time the answer is written, some have passed.
  if (path.endsWith('.expires_in') && typeof expected === 'number' && typeof actual === 'number') {
    return actual > 0 && actual <= expected ? [] : [`${path}: expected at most ${expected} ms left, got ${actual}`];
  }
  if (typeof expected === 'string' && SEMVER.test(expected)) {
    return typeof actual === 'string' && SEMVER.test(actual) ? [] : [`${path}: expected a version, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) return [`${path}: expected ${expected.length} items, got ${actual.length}`];
    return expected.flatMap((item, i) => jsonDifferences(actual[i], item, `${path}[${i}]`, options));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    const want = Object.keys(expected).sort();
    const got = Object.keys(actual).sort();
    if (want.join() !== got.join()) return [`${path}: expected keys ${want.join(', ')}, got ${got.join(', ')}`];
    return want.flatMap((key) =>
      jsonDifferences((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`, options),
    );
  }
  return Object.is(actual, expected) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** The upstream ports a document's examples point proxies at (`"upstream":"127.0.0.1:N"`). */
export function upstreamPorts(markdown: string): number[] {
  const ports = new Set<number>();
  for (const m of markdown.matchAll(/"upstream"\s*:\s*"(?:127\.0\.0\.1|localhost):(\d+)"/g)) ports.add(Number(m[1]));
  return [...ports];
}
