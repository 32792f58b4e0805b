/**
 * Output for the client verbs. On a terminal: aligned tables, colour and hints. Otherwise:
 * toxiproxy-cli's tab-separated lines, byte for byte, so scripts written against it keep working.
 * @module
 */

/** How to write: a table for people, or lines for scripts. */
export interface OutputStyle {
  /** Stdout is a terminal: tables and hints instead of tab-separated lines. */
  readonly tty: boolean;
  /** ANSI colours (a terminal, and neither `NO_COLOR` nor `TERM=dumb`). */
  readonly color: boolean;
}

/** Where a command writes, and the environment it reads; the process's by default. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly style: OutputStyle;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The style for a stream: a terminal gets tables, colour unless `NO_COLOR` is set or `TERM` is `dumb`. */
export function detectStyle(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): OutputStyle {
  const color = isTTY && (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb';
  return { tty: isTTY, color };
}

/** The process's stdout, stderr and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    style: detectStyle(process.stdout.isTTY === true, process.env),
    env: process.env,
  };
}

const CODES = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  bold: 1,
  dim: 2,
} as const;

/** A colour or emphasis {@link paint} can apply. */
export type Color = keyof typeof CODES;

/** `text` in `color` when the style allows colour, else unchanged. */
export function paint(style: OutputStyle, color: Color, text: string): string {
  return style.color ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}

/** A table cell: text, optionally coloured. */
export type Cell = string | { readonly text: string; readonly color: Color };

function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

/**
 * An aligned table with a header row and a rule under it; each line ends with a newline.
 * Padding is computed on the plain text, so colour does not upset alignment.
 */
export function renderTable(style: OutputStyle, header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => cellText(row[col] ?? '').length)));
  const line = (cells: readonly Cell[], headerRow: boolean): string =>
    cells
      .map((cell, col) => {
        const text = cellText(cell);
        const padded = col === cells.length - 1 ? text : text.padEnd(widths[col] ?? 0);
        if (headerRow) return paint(style, 'bold', padded);
        return typeof cell === 'string' ? padded : paint(style, cell.color, padded);
      })
      .join('  ')
      .trimEnd();
  const ruleWidth = widths.reduce((sum, w) => sum + w, 0) + 2 * Math.max(0, widths.length - 1);
  return `${[line(header, true), '='.repeat(ruleWidth), ...rows.map((row) => line(row, false))].join('\n')}\n`;
}

/** A hint for people at a terminal (`Hint: …`), preceded by a blank line; nothing for scripts. */
export function hint(style: OutputStyle, text: string): string {
  return style.tty ? `\n${paint(style, 'dim', `Hint: ${text}`)}\n` : '';
}

/**
 * A number as toxiproxy-cli prints toxicity (Go's `%.2f`): two decimals, exact ties rounded to
 * even (`0.125` → `0.12`), as Go rounds the exact binary value.
 */
export function fixed2(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // An exact tie at the third decimal is a multiple of 1/8 that is not a multiple of 1/100.
  if (Number.isInteger(value * 8) && !Number.isInteger(value * 100)) {
    const scaled = value * 100; // exact: a multiple of 1/8 times 100 is a multiple of 1/2
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    return (even / 100).toFixed(2);
  }
  return value.toFixed(2);
}

/** An attribute value as text: numbers and strings plainly, anything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** An attributes object as `[key, text]` pairs sorted by key, as toxiproxy-cli lists them. */
export function sortedAttributes(attributes: Readonly<Record<string, unknown>>): [string, string][] {
  return Object.keys(attributes)
    .sort(compareNames)
    .map((key) => [key, formatValue(attributes[key])]);
}

/** Orders names as toxiproxy-cli does (Go's `sort.Strings`): by their UTF-8 bytes. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
