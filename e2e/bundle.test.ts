/**
 * The `faultline` executable is bundled with smaller or lazier stand-ins for dependencies of
 * dependencies (scripts/bundle/): they must answer as the packages they replace, and the built server
 * must read request bodies (plain, compressed, any declared charset), serve the dashboard's files with
 * their types and word validation errors as before.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load.js';
import { runCli, startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api } from './helpers/http.js';
import { freePort } from './helpers/net.js';

const require = createRequire(import.meta.url);

interface IconvApi {
  decode(buffer: Buffer, encoding: string): string;
  encodingExists(encoding: string): boolean;
  getDecoder(encoding: string): { write(chunk: Buffer): string; end(): string | undefined };
}

const standIn = require('../scripts/bundle/iconv-lite.cjs') as IconvApi;
// The package it stands in for, as body-parser resolves it.
const iconv = require(require.resolve('iconv-lite', { paths: [require.resolve('body-parser')] })) as IconvApi;

describe('the iconv-lite stand-in', () => {
  const text = 'Grüße, ﬁ 😀';
  const cases: Array<[string, Buffer]> = [
    ['utf-8', Buffer.from(`\uFEFF${text}`, 'utf8')],
    ['UTF8', Buffer.from(text, 'utf8')],
    ['utf-16le', Buffer.from(text, 'utf16le')],
    ['latin1', Buffer.from('Grüße', 'latin1')],
  ];

  it.each(cases)('decodes %s as iconv-lite does, byte order mark dropped', (encoding, bytes) => {
    expect(standIn.encodingExists(encoding)).toBe(true);
    expect(standIn.decode(bytes, encoding)).toBe(iconv.decode(bytes, encoding));
  });

  it('decodes a character split across chunks as iconv-lite does', () => {
    const bytes = Buffer.from('a😀b', 'utf8');
    const ours = standIn.getDecoder('utf-8');
    const theirs = iconv.getDecoder('utf-8');
    const read = (d: typeof ours) => [d.write(bytes.subarray(0, 3)), d.write(bytes.subarray(3)), d.end() ?? ''].join('');
    expect(read(ours)).toBe(read(theirs));
  });

  it("refuses an unknown encoding with iconv-lite's message, which raw-body turns into a 415", () => {
    expect(standIn.encodingExists('no-such-charset')).toBe(false);
    expect(iconv.encodingExists('no-such-charset')).toBe(false);
    expect(() => standIn.getDecoder('no-such-charset')).toThrow(/^Encoding not recognized: /);
    expect(() => iconv.getDecoder('no-such-charset')).toThrow(/^Encoding not recognized: /);
  });
});

interface MimeApi {
  charset(type: string): string | false;
  charsets: { lookup(type: string): string | false };
  contentType(str: string): string | false;
  extension(type: string): string | false;
  lookup(path: string): string | false;
  extensions: Record<string, string[]>;
  types: Record<string, string>;
}

const mimeStandIn = require('../scripts/bundle/mime-types.cjs') as MimeApi;
const mime = require(require.resolve('mime-types', { paths: [require.resolve('express')] })) as MimeApi;

describe('the mime-types stand-in', () => {
  it('answers as mime-types, from the same table, once something asks', () => {
    for (const input of ['json', 'html', '.js', 'style.css', 'a/b/c.svg', 'application/json', 'text/x-unknown', 'nope', '']) {
      expect(mimeStandIn.lookup(input)).toBe(mime.lookup(input));
      expect(mimeStandIn.contentType(input)).toBe(mime.contentType(input));
      expect(mimeStandIn.charset(input)).toBe(mime.charset(input));
      expect(mimeStandIn.charsets.lookup(input)).toBe(mime.charsets.lookup(input));
      expect(mimeStandIn.extension(input)).toBe(mime.extension(input));
    }
    expect(mimeStandIn.types).toBe(mime.types);
    expect(mimeStandIn.extensions).toBe(mime.extensions);
    expect(Object.keys(mimeStandIn).sort()).toEqual(Object.keys(mime).sort());
  });
});

interface QsApi {
  parse(str: string, options?: object): unknown;
  stringify(value: unknown, options?: object): string;
  formats: object;
}

const qsStandIn = require('../scripts/bundle/qs.cjs') as QsApi;
const qs = require(require.resolve('qs', { paths: [require.resolve('express')] })) as QsApi;

describe('the qs stand-in', () => {
  it('parses and writes query strings as qs does, with its options', () => {
    for (const query of ['a=1&b=2', 'a[b][c]=d&e[]=1&e[]=2', 'x=%E2%9C%93&y', '']) {
      expect(qsStandIn.parse(query)).toEqual(qs.parse(query));
      expect(qsStandIn.parse(query, { allowPrototypes: true, arrayLimit: 1 })).toEqual(
        qs.parse(query, { allowPrototypes: true, arrayLimit: 1 }),
      );
    }
    expect(qsStandIn.stringify({ a: [1, 2], b: { c: 'd e' } })).toBe(qs.stringify({ a: [1, 2], b: { c: 'd e' } }));
    expect(qsStandIn.formats).toBe(qs.formats);
    expect(Object.keys(qsStandIn).sort()).toEqual(Object.keys(qs).sort());
  });
});

describe('the bundled server', () => {
  let server: FaultlineProcess;
  beforeAll(async () => {
    server = await startFaultline(['serve', '--port', '0']);
  });
  afterAll(() => server.stop('SIGTERM'));

  it('reads a body whatever charset it declares, and a gzip-compressed one', async () => {
    const b = api(server.url);
    const plain = { name: 'charset', listen: `127.0.0.1:${await freePort()}`, upstream: '127.0.0.1:9' };
    const created = await b.post('/proxies', JSON.stringify(plain), { headers: { 'Content-Type': 'application/json; charset=x-unknown' } });
    expect(created.status).toBe(201);

    const compressed = { name: 'gzip', listen: `127.0.0.1:${await freePort()}`, upstream: '127.0.0.1:9' };
    const res = await fetch(`${server.url}/proxies`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'User-Agent': 'test' },
      body: gzipSync(JSON.stringify(compressed)),
    });
    expect(res.status).toBe(201);
    expect(((await b.get('/proxies/gzip')).json as { upstream: string }).upstream).toBe('127.0.0.1:9');
  });

  it("serves the dashboard's files with their content types", async () => {
    const page = await fetch(`${server.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    await page.arrayBuffer();
  });
});

describe('the bundled CLI', () => {
  it("words a bad config file as the library does: zod's own English messages, file:line", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-bundle-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'server:\n  metrics: "yes"\n  port: 1.5\n  bogus: 1\nproxies:\n  - name: a\n    upstream: 7\n');
      const expected = await loadConfig({ file }).then(
        () => [],
        (err: ConfigError) => err.issues,
      );
      expect(expected).toContain(`${file}:2:12: server.metrics: Invalid input: expected boolean, received string`);
      const run = await runCli(['serve', '--config', file]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`faultline: invalid configuration:\n${expected.map((i) => `  ${i}`).join('\n')}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
