/**
 * HTTP header fields as an ordered list of name/value pairs: names keep the case they were sent
 * with, duplicates and order are kept, and lookups ignore case. HTTP toxics edit messages through it.
 * @module
 */

/** One header field: name as sent, value. */
export type HeaderField = readonly [name: string, value: string];

/** An editable, ordered list of header fields. */
export class HeaderList implements Iterable<HeaderField> {
  private fields: Array<[string, string]>;

  constructor(fields: Iterable<HeaderField> = []) {
    this.fields = [...fields].map(([n, v]) => [n, v]);
  }

  /** From Node's `rawHeaders` (`[name, value, name, value, …]`). */
  static fromRaw(raw: readonly string[]): HeaderList {
    const list = new HeaderList();
    for (let i = 0; i + 1 < raw.length; i += 2) list.fields.push([raw[i] ?? '', raw[i + 1] ?? '']);
    return list;
  }

  /** As Node's flat raw form, for `writeHead` and `http.request`. */
  toRaw(): string[] {
    const out: string[] = [];
    for (const [name, value] of this.fields) out.push(name, value);
    return out;
  }

  get size(): number {
    return this.fields.length;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.fields[Symbol.iterator]();
  }

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.fields.find(([n]) => n.toLowerCase() === lower)?.[1];
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.fields.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every field called `name` by one (where the first one was), or appends it. */
  set(name: string, value: string): void {
    const lower = name.toLowerCase();
    const at = this.fields.findIndex(([n]) => n.toLowerCase() === lower);
    if (at < 0) {
      this.fields.push([name, value]);
      return;
    }
    this.fields[at] = [name, value];
    this.fields = this.fields.filter(([n], i) => i === at || n.toLowerCase() !== lower);
  }

  /** Adds a field at the end, keeping any others of the same name. */
  append(name: string, value: string): void {
    this.fields.push([name, value]);
  }

  /** Removes every field called `name`; true when there was one. */
  delete(name: string): boolean {
    const lower = name.toLowerCase();
    const before = this.fields.length;
    this.fields = this.fields.filter(([n]) => n.toLowerCase() !== lower);
    return this.fields.length !== before;
  }

  /** Rewrites each value of `name` in place; returning undefined leaves that value as it was. */
  rewrite(name: string, change: (value: string) => string | undefined): void {
    const lower = name.toLowerCase();
    for (const field of this.fields) {
      if (field[0].toLowerCase() !== lower) continue;
      const next = change(field[1]);
      if (next !== undefined) field[1] = next;
    }
  }
}
