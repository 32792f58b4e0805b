/**
 * The one HPACK form the h2c Upgrade needs (RFC 7541 §6.2.2): header fields as literals without
 * indexing and without Huffman coding. Such a block leaves both dynamic tables untouched, so it can
 * be slipped into a connection whose encoder and decoder know nothing of it.
 * @module
 */

/** An HPACK integer with an `n`-bit prefix, the prefix's other bits from `flags`. */
function integer(value: number, n: number, flags: number): number[] {
  const max = (1 << n) - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function literal(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from(integer(bytes.length, 7, 0)), bytes]);
}

/** A header block of `fields` (names already lower-case), each a literal without indexing. */
export function literalHeaderBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) parts.push(Buffer.from([0x00]), literal(name), literal(value));
  return Buffer.concat(parts);
}
