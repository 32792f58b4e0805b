import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { builtinDatagramToxics, builtinToxics } from '../toxics/registry.js';
import { GENERATED_FILES, REGENERATE_COMMAND, toxicRegion } from './generated-files.js';
import { fillRegions, regionNames } from './marked-regions.js';

const root = new URL('../../', import.meta.url);

describe('generated files', () => {
  it.each(GENERATED_FILES.map((f) => [f.path, f] as const))('%s is up to date', async (path, file) => {
    const current = await readFile(new URL(path, root), 'utf8');
    expect(current === file.render(current), `${path} is out of date: run \`${REGENERATE_COMMAND}\``).toBe(true);
  });

  it('lists every built-in toxic in the README and docs/toxics.md, and every attribute table the docs have', async () => {
    for (const path of ['README.md', 'docs/toxics.md']) {
      const names = regionNames(await readFile(new URL(path, root), 'utf8'));
      expect(names.slice(0, 4), path).toEqual(['toxics:stream', 'toxics:http', 'toxics:datagram', 'toxics:http2']);
    }
    const docs = regionNames(await readFile(new URL('docs/toxics.md', root), 'utf8'));
    const withAttributes = builtinToxics.filter((t) => Object.keys(t.attributes.shape).length > 0).map((t) => `attributes:${t.type}`);
    expect(docs.filter((n) => n.startsWith('attributes:'))).toEqual(withAttributes);
    for (const t of builtinToxics)
      expect(`${toxicRegion('toxics:stream')}${toxicRegion('toxics:http')}${toxicRegion('toxics:http2')}`).toContain(`| \`${t.type}\` |`);
    for (const t of builtinDatagramToxics) expect(toxicRegion('toxics:datagram')).toContain(`| \`${t.type}\` |`);
  });

  it('rewrites only the inside of a region, and names a region it cannot fill', () => {
    const text = 'before\n<!-- generated:toxics:http begin (npm run docs) -->\nstale\n<!-- generated:toxics:http end -->\nafter\n';
    const filled = fillRegions(text, toxicRegion, 'x.md');
    expect(filled.startsWith('before\n<!-- generated:toxics:http begin (npm run docs) -->\n| type |')).toBe(true);
    expect(filled.endsWith('|\n<!-- generated:toxics:http end -->\nafter\n')).toBe(true);
    expect(filled).toContain('| `http_abort` |');
    expect(fillRegions(filled, toxicRegion, 'x.md')).toBe(filled);
    expect(() => fillRegions(text.replaceAll('toxics:http', 'toxics:udp'), toxicRegion, 'x.md')).toThrow(
      'x.md: no generator for the region "toxics:udp"',
    );
  });
});
