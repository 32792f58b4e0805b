/**
 * Parsing YAML (or JSON, which YAML reads too) while keeping positions, so every problem can be
 * reported as `file:line:col: path: message`. Config files, scenario files and the state file all read
 * their text through here; each turns a {@link TextSyntaxError} into its own error.
 * @module
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { findJsonSyntaxError } from './strict-json.js';
import { formatPath } from './value-path.js';

export { formatPath };

type Path = ReadonlyArray<string | number>;

/** Text that is not valid YAML (or strict JSON for a `.json` file); the message is located as `file:line:col: …`. */
export class TextSyntaxError extends Error {
  override readonly name = 'TextSyntaxError';
}

/** A parsed file that can say where a path is. */
export interface ParsedText {
  value: unknown;
  /**
   * `file:line:col` of the value at `path`, or of its closest existing parent; with `key`, of the
   * last part's key name instead of its value.
   */
  locate(path: Path, key?: boolean): string;
}

/** 1-based line and column of `offset` in `text`. */
function linePos(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, col: offset - lineStart + 1 };
}

/** Aliases (`*name`) a document may expand, counting nested expansions: enough for anchors reused by hand. */
const MAX_ALIASES = 100;

/**
 * Parses YAML or JSON text, keeping positions. A `.json` file must be strict JSON (no trailing
 * comma, no comment), as Toxiproxy reads it. Syntax errors throw a {@link TextSyntaxError} with `file:line:col`.
 */
export function parseLocatedText(text: string, file: string): ParsedText {
  if (/\.json$/i.test(file)) {
    const error = findJsonSyntaxError(text);
    if (error) {
      const pos = linePos(text, error.offset);
      throw new TextSyntaxError(`${file}:${pos.line}:${pos.col}: ${error.message}`);
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const message = first.message.split('\n')[0] ?? first.message;
    throw new TextSyntaxError(`${file}:${pos.line}:${pos.col}: ${message}`);
  }
  const where = (offset: number): string => {
    const pos = lineCounter.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    // The yaml library's guard against alias bombs (a few lines that expand to gigabytes).
    if (!(err instanceof ReferenceError)) throw err;
    throw new TextSyntaxError(`${file}: too many alias expansions (more than ${MAX_ALIASES}): ${err.message}`);
  }
  return {
    value,
    locate: (path, key = false) => {
      const offset = findOffset(doc, path, key);
      return offset === undefined ? file : where(offset);
    },
  };
}

/** The source offset of the value at `path` (of its key with `key`), or of its nearest ancestor. */
function findOffset(doc: Document, path: Path, key: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  for (const [i, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) return offset;
      const keyOffset = (pair.key as Node).range?.[0];
      if (key && i === path.length - 1) return keyOffset ?? offset;
      const valueNode = pair.value as Node | null;
      offset = valueNode?.range?.[0] ?? keyOffset ?? offset;
      node = valueNode;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}
