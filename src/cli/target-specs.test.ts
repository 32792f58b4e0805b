import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FLEET_TARGETS } from '../limits.js';
import { findTargets, type Resolver } from './discovery.js';
import { parseTargetSpec, parseTargetsFile, readTargetsFile, TargetSpecError } from './target-specs.js';

describe('target specs', () => {
  it('reads URLs as they are, and dns+http names with their port (8474 by default)', () => {
    expect(parseTargetSpec('http://10.0.0.5:8474')).toEqual({ kind: 'url', url: 'http://10.0.0.5:8474' });
    expect(parseTargetSpec('dns+http://faultline.chaos.svc:8474')).toEqual({
      kind: 'dns',
      text: 'dns+http://faultline.chaos.svc:8474',
      scheme: 'http',
      name: 'faultline.chaos.svc',
      port: 8474,
    });
    expect(parseTargetSpec('DNS+HTTPS://fleet.test')).toMatchObject({ scheme: 'https', name: 'fleet.test', port: 8474 });
  });

  it('refuses dns names with a path, a bad port or another scheme', () => {
    expect(() => parseTargetSpec('dns+http://fleet.test:8474/api')).toThrow('a name and a port only');
    expect(() => parseTargetSpec('dns+http://fleet.test:99999')).toThrow(TargetSpecError);
    expect(() => parseTargetSpec('dns+tcp://fleet.test:1')).toThrow('dns+http://NAME:PORT');
    expect(() => parseTargetSpec('  ')).toThrow('empty target');
  });

  it('reads a targets file: one a line, comments and blank lines skipped', () => {
    const text = '# the fleet\nhttp://10.0.0.5:8474\n\n  dns+http://fleet.test:8474   # one per pod\n';
    expect(parseTargetsFile(text, 'fleet.txt')).toEqual([
      { kind: 'url', url: 'http://10.0.0.5:8474' },
      { kind: 'dns', text: 'dns+http://fleet.test:8474', scheme: 'http', name: 'fleet.test', port: 8474 },
    ]);
  });

  it('reports every mistake of a targets file at once, with file:line', () => {
    const text = 'http://ok:1\ndns+http://a/b\nhttp://x http://y\ndns+ftp://z\n';
    expect(() => parseTargetsFile(text, 'fleet.txt')).toThrow(
      [
        'fleet.txt:2: dns+http://a/b: discovery takes a name and a port only (dns+http://NAME:PORT)',
        'fleet.txt:3: one target a line, got "http://x http://y"',
        'fleet.txt:4: dns+ftp://z: discovery takes dns+http://NAME:PORT or dns+https://NAME:PORT',
      ].join('\n'),
    );
    expect(() => parseTargetsFile('# nothing\n\n', 'empty.txt')).toThrow('empty.txt: no target in the file');
    const many = Array.from({ length: MAX_FLEET_TARGETS + 1 }, (_, i) => `http://h${i}:1`).join('\n');
    expect(() => parseTargetsFile(many, 'big.txt')).toThrow(`big.txt: ${MAX_FLEET_TARGETS + 1} targets, at most ${MAX_FLEET_TARGETS}`);
  });

  it('says when a targets file cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-targets-'));
    await expect(readTargetsFile(join(dir, 'missing.txt'))).rejects.toThrow('missing.txt: cannot read the targets: no such file');
    writeFileSync(join(dir, 'ok.txt'), 'http://a:1\n');
    await expect(readTargetsFile(join(dir, 'ok.txt'))).resolves.toEqual([{ kind: 'url', url: 'http://a:1' }]);
  });
});

describe('discovery', () => {
  const records: Record<string, string[]> = {
    'fleet.test': ['127.0.0.4', '127.0.0.2', '::1', '127.0.0.10', '127.0.0.3', '127.0.0.2'],
    'empty.test': [],
  };
  const stub: Resolver = async (name) => {
    const found = records[name];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return found;
  };

  it('finds one target per address, IPv4 before IPv6, in numeric order, each URL once', async () => {
    const found = await findTargets(
      [
        { kind: 'url', url: '127.0.0.3:8474' },
        parseTargetSpec('dns+http://fleet.test:9000'),
        parseTargetSpec('dns+http://fleet.test:8474'),
      ],
      stub,
    );
    const source = 'dns+http://fleet.test:9000';
    expect(found).toEqual([
      { url: 'http://127.0.0.3:8474' },
      { url: 'http://127.0.0.2:9000', source },
      { url: 'http://127.0.0.3:9000', source },
      { url: 'http://127.0.0.4:9000', source },
      { url: 'http://127.0.0.10:9000', source },
      { url: 'http://[::1]:9000', source },
      { url: 'http://127.0.0.2:8474', source: 'dns+http://fleet.test:8474' },
      { url: 'http://127.0.0.4:8474', source: 'dns+http://fleet.test:8474' },
      { url: 'http://127.0.0.10:8474', source: 'dns+http://fleet.test:8474' },
      { url: 'http://[::1]:8474', source: 'dns+http://fleet.test:8474' },
    ]);
  });

  it('says which name could not be resolved, or resolved to nothing', async () => {
    await expect(findTargets([parseTargetSpec('dns+http://nowhere.test:8474')], stub)).rejects.toThrow(
      'dns+http://nowhere.test:8474: cannot resolve nowhere.test: the name is not known',
    );
    await expect(findTargets([parseTargetSpec('dns+http://empty.test:8474')], stub)).rejects.toThrow(
      'dns+http://empty.test:8474: empty.test resolves to no address',
    );
  });

  it('finds at most MAX_FLEET_TARGETS targets', async () => {
    const wide: Resolver = async () => Array.from({ length: MAX_FLEET_TARGETS + 1 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    await expect(findTargets([parseTargetSpec('dns+http://wide.test:1')], wide)).rejects.toThrow(`more than ${MAX_FLEET_TARGETS} targets`);
  });
});
