/**
 * The `tls` setting through the API, config files and the state file: clear 400s and 409s, key files
 * others can read refused, the local CA kept with the state, and keys never in the logs.
 */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../logging/pino-logger.js';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { startEchoServer } from '../testing/net.js';
import { testPki, tlsExchange } from '../testing/tls.js';
import { CertificateStore } from './certificate-store.js';
import { createCa } from './local-ca.js';
import { CA_CERT_FILE, CA_KEY_FILE } from './local-ca.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-tls-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const running = await startServer({ port: 0, dashboard: false, metrics: false, ...options });
  cleanups.push(() => running.close());
  return running;
}

describe('the tls setting in the API', () => {
  it.each([
    [{ listen: {} }, 'bad request body: tls.listen.cert: expected "auto" or the path of a PEM certificate, got undefined'],
    [{ listen: { cert: 'auto', key: '/k.pem' } }, 'bad request body: tls.listen.key: cert "auto" brings its own key: leave key out'],
    [{ listen: { cert: '/c.pem' } }, 'bad request body: tls.listen.key: a cert path needs the path of its private key'],
    [{ listen: { cert: 'auto', alpn: [] } }, 'bad request body: tls.listen.alpn: expected at least one ALPN protocol'],
    [{ upstream: { verify: 'yes' } }, 'bad request body: tls.upstream.verify: expected verify as true or false'],
    [{ upstream: { servername: '127.0.0.1' } }, 'bad request body: tls.upstream.servername: expected a DNS host name (not an IP address)'],
    [{ listen: { cert: 'auto' }, sni: true }, 'bad request body: tls: unknown field "sni"'],
    ['auto', 'bad request body: tls: expected an object, got the string "auto"'],
  ])('refuses tls %j with a 400 that names the field', async (tls, error) => {
    const running = await server();
    const answer = await apiCall(running.url, 'POST', '/proxies', { name: 'p', upstream: '127.0.0.1:1', tls });
    expect(answer.status).toBe(400);
    expect(answer.json?.error).toBe(error);
  });

  it('refuses tls on a udp proxy, TLS toxics on a proxy without tls.listen, and removing tls under TLS toxics', async () => {
    const running = await server();
    const udp = await apiCall(running.url, 'POST', '/proxies', {
      name: 'dns',
      upstream: '127.0.0.1:53',
      protocol: 'udp',
      tls: { listen: { cert: 'auto' } },
    });
    expect(udp.status).toBe(400);
    expect(udp.json?.error).toBe('tls works on tcp, http and http2 proxies only, not on UDP proxies');
    await apiCall(running.url, 'POST', '/proxies', { name: 'plain', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    const toxic = await apiCall(running.url, 'POST', '/proxies/plain/toxics', { type: 'tls_certificate' });
    expect(toxic.status).toBe(400);
    expect(toxic.json?.error).toBe(
      'toxic type tls_certificate works on proxies that terminate TLS only; proxy plain has no tls.listen (set "tls": {"listen": {"cert": "auto"}})',
    );
    const patched = await apiCall(running.url, 'PATCH', '/proxies/plain', { tls: { listen: { cert: 'auto' } } });
    expect(patched.json?.tls).toEqual({ listen: { cert: 'auto' } });
    expect((await apiCall(running.url, 'POST', '/proxies/plain/toxics', { type: 'tls_certificate' })).status).toBe(200);
    const removed = await apiCall(running.url, 'PATCH', '/proxies/plain', { tls: {} });
    expect(removed.status).toBe(409);
    expect(removed.json?.error).toBe(
      'proxy plain has TLS toxics (tls_certificate_downstream): remove them before changing its tls setting',
    );
    await apiCall(running.url, 'DELETE', '/proxies/plain/toxics/tls_certificate_downstream');
    const cleared = await apiCall(running.url, 'PATCH', '/proxies/plain', { tls: {} });
    expect(cleared.status).toBe(200);
    expect(cleared.json).not.toHaveProperty('tls');
  });

  it('refuses a private key that group or others may read, naming the file; takes it at mode 600', async () => {
    const dir = await tempDir();
    const pki = await testPki();
    const cert = join(dir, 'server.pem');
    const key = join(dir, 'server-key.pem');
    await writeFile(cert, pki.server.cert);
    await writeFile(key, pki.server.key, { mode: 0o644 });
    await chmod(key, 0o644);
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const upstream = await startEchoServer();
    cleanups.push(() => upstream.close());
    const running = await server({ logger });
    const body = { name: 'own', listen: '127.0.0.1:0', upstream: upstream.address, tls: { listen: { cert, key } } };
    const refused = await apiCall(running.url, 'POST', '/proxies', body);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      code: 'TLS_INVALID',
      error: `tls.listen.key: ${key} may be read by group or others (mode 644): make it readable by its owner only (chmod 600 ${key})`,
    });
    expect(running.registry.get('own')).toBeUndefined();
    await chmod(key, 0o600);
    const created = await apiCall(running.url, 'POST', '/proxies', body);
    expect(created.status).toBe(201);
    const port = Number(String(created.json?.listen).split(':')[1]);
    expect(await tlsExchange(port, 'own pair', { ca: pki.ca.pem, servername: 'localhost' })).toMatchObject({ ok: true, text: 'own pair' });
    const logged = lines.join('');
    expect(logged).toContain('proxy created');
    expect(logged).not.toContain('PRIVATE KEY');
    expect(logged).not.toContain(pki.server.key.split('\n')[1]);
  });

  it('refuses files that are missing or not a certificate and key pair', async () => {
    const dir = await tempDir();
    const running = await server();
    const missing = await apiCall(running.url, 'POST', '/proxies', {
      name: 'p',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:1',
      tls: { upstream: { ca: join(dir, 'nope.pem') } },
    });
    expect(missing.status).toBe(400);
    expect(missing.json?.error).toBe(`tls.upstream.ca: cannot read ${join(dir, 'nope.pem')}: no such file`);
    const junk = join(dir, 'junk.pem');
    await writeFile(junk, 'not a certificate', { mode: 0o600 });
    const bad = await apiCall(running.url, 'POST', '/proxies', {
      name: 'p',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:1',
      tls: { listen: { cert: junk, key: junk } },
    });
    expect(bad.status).toBe(400);
    expect(String(bad.json?.error)).toMatch(/^tls\.listen: .* are not a PEM certificate and its private key/);
  });
});

describe('the local CA', () => {
  it('is kept beside the state file, its key readable by its owner only, and the same after a restart', async () => {
    const dir = await tempDir();
    const stateFile = join(dir, 'state.json');
    const first = await startServer({ port: 0, dashboard: false, metrics: false, stateFile });
    const pemOf = async (r: RunningServer) => (await fetch(`${r.url}/faultline/ca.pem`, { headers: { 'User-Agent': 't' } })).text();
    const pem = await pemOf(first);
    await apiCall(first.url, 'POST', '/proxies', {
      name: 'web',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:1',
      tls: { listen: { cert: 'auto' } },
    });
    await first.close();
    expect(await readFile(join(dir, CA_CERT_FILE), 'utf8')).toBe(pem);
    expect((await stat(join(dir, CA_KEY_FILE))).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { proxies: Array<Record<string, unknown>> };
    expect(saved.proxies[0]?.tls).toEqual({ listen: { cert: 'auto' } });
    const second = await server({ stateFile });
    expect(await pemOf(second)).toBe(pem);
    expect(running(second, 'web')).toEqual({ listen: { cert: 'auto' } });
  });

  it('issues per-SNI certificates into a bounded cache', async () => {
    const ca = await createCa('bounded', Date.now());
    const store = new CertificateStore(async () => ca, Date.now, 4);
    for (let i = 0; i < 10; i++) await store.context({ names: [`n${i}.example`] });
    expect(store.size).toBe(4);
  });
});

describe('the tls setting in config files', () => {
  it('reads tls and TLS toxics, and locates mistakes', async () => {
    const dir = await tempDir();
    const good = join(dir, 'good.yaml');
    await writeFile(
      good,
      'proxies:\n  - name: web\n    upstream: 127.0.0.1:443\n    protocol: http\n    tls:\n      listen: {cert: auto}\n      upstream: {servername: api.internal}\n    toxics:\n      - type: tls_certificate\n        attributes: {fault: wrong_host}\n',
    );
    const { config } = await loadConfig({ file: good });
    expect(config.proxies[0]).toMatchObject({
      tls: { listen: { cert: 'auto' }, upstream: { verify: true, servername: 'api.internal' } },
      toxics: [{ type: 'tls_certificate', attributes: { fault: 'wrong_host' } }],
    });
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'proxies:\n  - name: db\n    upstream: 127.0.0.1:5432\n    toxics:\n      - type: tls_handshake\n  - name: own\n    upstream: 127.0.0.1:5432\n    tls:\n      listen: {cert: /c.pem}\n',
    );
    const issues = await loadConfig({ file: bad }).then(
      () => [],
      (err: Error) => err.message,
    );
    expect(issues).toContain(
      `${bad}:5:15: proxies[0].toxics[0].type: toxic type "tls_handshake" works on proxies that terminate TLS only: set tls.listen on proxy "db"`,
    );
    expect(issues).toContain('proxies[1].tls.listen.key: a cert path needs the path of its private key');
  });
});

function running(r: RunningServer, name: string): unknown {
  return r.registry.get(name)?.tls;
}
