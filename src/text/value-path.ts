/**
 * The path of a value inside a parsed document, as messages print it. Apart from located-text.ts so
 * that code which only names paths (config and TLS checks) does not load the YAML parser.
 * @module
 */

/** Keys and indexes from the document's root down to a value. */
export type ValuePath = ReadonlyArray<string | number>;

/** Formats a path as `proxies[0].toxics[1].attributes.latency`. */
export function formatPath(path: ValuePath): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}
