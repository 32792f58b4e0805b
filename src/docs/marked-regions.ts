/**
 * Generated parts of hand-written Markdown: a region between `<!-- generated:NAME begin … -->` and
 * `<!-- generated:NAME end -->` is rewritten from its name; everything around it stays as written.
 * @module
 */

const REGION = /(<!-- generated:([a-z0-9_:-]+) begin[^>]*-->\n)([\s\S]*?)(<!-- generated:\2 end -->)/g;

/** The text of a region, by name; undefined for a name it does not know. */
export type RegionRenderer = (name: string) => string | undefined;

/** The names of the regions in `text`, in order. */
export function regionNames(text: string): string[] {
  return [...text.matchAll(REGION)].map((m) => m[2] ?? '');
}

/** `text` with every region rewritten; throws on a region `render` does not know (`where` names the file). */
export function fillRegions(text: string, render: RegionRenderer, where: string): string {
  return text.replace(REGION, (_all, begin: string, name: string, _old: string, end: string) => {
    const body = render(name);
    if (body === undefined) throw new Error(`${where}: no generator for the region "${name}"`);
    return `${begin}${body}\n${end}`;
  });
}
