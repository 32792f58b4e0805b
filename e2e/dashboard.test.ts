/**
 * The dashboard in a real headless Chromium against the built server: the default proxies on
 * screen, a udp proxy's datagrams per second (and those a toxic drops), one-click faults felt by a real TCP client, the toxic form with the API's own messages,
 * keyboard control, a scenario run to its verdict, the token prompt, and the browser guard against
 * a cross-origin page and a rebound host name. Then 200 proxies and 2,000 connections, measured
 * against the two-proxy page of the same run.
 *
 * FAULTLINE_SCREENSHOTS=docs/images refreshes the screenshots the docs show.
 */
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { launchBrowser, type Browser } from './helpers/browser.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api, type Api } from './helpers/http.js';
import { connectTo, readBytes, startEchoServer, type TestServer } from './helpers/net.js';
import { eventually } from './helpers/scenario-run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = process.env['FAULTLINE_SCREENSHOTS'];

let dir: string;
let echo: TestServer;
let server: FaultlineProcess;
let b: Api;
let browser: Browser;
let page: Page;
const sockets: Socket[] = [];
const servers: FaultlineProcess[] = [];
let background: NodeJS.Timeout | undefined;

interface Proxy {
  listen: string;
  enabled: boolean;
  toxics: Array<{ name: string; type: string; stream: string; attributes: Record<string, unknown> }>;
}

async function proxy(name: string, client: Api = b): Promise<Proxy> {
  return (await client.get(`/proxies/${name}`)).json as Proxy;
}

async function shot(target: Page, name: string): Promise<void> {
  if (SHOTS) await target.screenshot({ path: resolve(ROOT, SHOTS, name) });
}

/** Resolves true when `socket` receives nothing for `ms`. */
function silentFor(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((done) => {
    const onData = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      done(false);
    };
    const timer = setTimeout(() => {
      socket.off('data', onData);
      socket.pause();
      done(true);
    }, ms);
    socket.on('data', onData);
    socket.resume();
  });
}

/** The default config (configs/default.yaml) on free ports, with redis in front of a local echo server. */
async function defaultConfig(): Promise<string> {
  const config = parse(await readFile(join(ROOT, 'configs', 'default.yaml'), 'utf8')) as {
    server: Record<string, unknown>;
    proxies: Array<{ name: string; listen: string; upstream: string }>;
  };
  config.server['port'] = 0;
  for (const p of config.proxies) {
    p.listen = '127.0.0.1:0';
    if (p.name === 'redis') p.upstream = echo.address;
  }
  const file = join(dir, 'default.yaml');
  await writeFile(file, stringify(config));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-dashboard-'));
  echo = await startEchoServer();
  server = await startFaultline(['serve', '--config', await defaultConfig()]);
  servers.push(server);
  b = api(server.url);
  // A client of redis that keeps talking through the whole run, at a rate that swells and ebbs;
  // when a test disables the proxy, it connects again.
  const port = Number((await proxy('redis')).listen.split(':')[1]);
  let talker: Socket | undefined;
  const reconnect = (): void => {
    talker = undefined;
    connectTo(port).then(
      (s) => {
        sockets.push(s);
        s.on('error', () => {}).once('close', () => background && setTimeout(reconnect, 200));
        s.resume();
        talker = s;
      },
      () => background && setTimeout(reconnect, 200),
    );
  };
  let tick = 0;
  background = setInterval(() => talker?.write('t'.repeat(Math.round(12_000 + 9_000 * Math.sin(tick++ / 12)))), 100);
  reconnect();
  // rebound.test stands for an attacker's name that resolves to this machine (DNS rebinding).
  browser = await launchBrowser({ extraArgs: ['--host-resolver-rules=MAP rebound.test 127.0.0.1'] });
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 720 });
}, 90_000);

afterAll(async () => {
  clearInterval(background);
  background = undefined;
  for (const s of sockets) s.destroy();
  await browser?.close();
  await Promise.all(servers.map((s) => s.stop()));
  await echo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('the dashboard in Chromium', () => {
  it('loads /ui/ and shows the default proxies with their state and toxics', async () => {
    await page.goto(`${server.url}/ui/`);
    await page.getByRole('button', { name: 'Disable redis' }).waitFor();
    await page.getByRole('button', { name: 'Enable postgres' }).waitFor();
    expect(await page.getByRole('button', { name: 'Partition redis' }).isVisible()).toBe(true);
    expect(await page.locator('tr[data-proxy="redis"]').innerText()).toMatch(/enabled[\s\S]*latency 50 ms/);
    expect(await page.locator('tr[data-proxy="postgres"]').innerText()).toContain('disabled');
    // Traffic appears live: the background client's bytes per second.
    await page.locator('tr[data-proxy="redis"] .rates', { hasText: /↑ [1-9][\d.]* [kM]B\/s/ }).waitFor({ timeout: 15_000 });
  });

  it("shows a udp proxy's datagrams per second each way, and those its toxics drop", async () => {
    const echoes = createSocket('udp4');
    echoes.on('message', (msg, rinfo) => echoes.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((done) => echoes.bind(0, '127.0.0.1', done));
    const client = createSocket('udp4');
    let sending: NodeJS.Timeout | undefined;
    try {
      const created = await b.post('/proxies', {
        name: 'dns',
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${echoes.address().port}`,
        protocol: 'udp',
      });
      expect(created.status).toBe(201);
      expect((await b.post('/proxies/dns/toxics', { type: 'loss', stream: 'downstream', attributes: { rate: 1 } })).status).toBe(200);
      const port = Number((await proxy('dns')).listen.split(':')[1]);
      sending = setInterval(() => client.send('q', port, '127.0.0.1'), 20);
      // Every query goes on; every answer is lost on the way back.
      await page
        .locator('tr[data-proxy="dns"] .rates.datagrams', { hasText: /↑ [1-9][\d.]*k? ↓ 0 datagrams\/s, [1-9][\d.]*k? dropped/ })
        .waitFor({ timeout: 15_000 });
      await page.getByRole('link', { name: 'dns', exact: true }).click();
      const table = page.locator('table.datagram-rates');
      await table.waitFor();
      // Downstream: answers come in, none goes out, all are dropped.
      const downstream = table.locator('tbody tr', { hasText: 'downstream' }).locator('td');
      await eventually(
        async () => /^[1-9][\d.]*k?,0,[1-9][\d.]*k?$/.test((await downstream.allInnerTexts()).join(',')),
        15_000,
        'the datagram table',
      );
      await page.goto(`${server.url}/ui/`);
    } finally {
      clearInterval(sending);
      client.close();
      echoes.close();
      await b.delete('/proxies/dns');
    }
  });

  it('Partition <proxy> stalls a TCP client and the API shows the toxics; Heal <proxy> lets it flow', async () => {
    const client = await connectTo(Number((await proxy('redis')).listen.split(':')[1]));
    sockets.push(client);
    client.write('ping-1');
    expect((await readBytes(client, 6)).toString()).toBe('ping-1');

    // A second browser tab sees what the first one does, without reloading.
    const other = await browser.context.newPage();
    await other.goto(`${server.url}/ui/`);
    await other.getByRole('button', { name: 'Partition redis' }).waitFor();
    await page.getByRole('button', { name: 'Partition redis' }).click();
    await page.getByRole('button', { name: 'Heal redis' }).waitFor();
    await other.getByRole('button', { name: 'Heal redis' }).waitFor();
    await other.close();
    const cut = await proxy('redis');
    expect(
      cut.toxics
        .filter((t) => t.type === 'partition')
        .map((t) => t.stream)
        .sort(),
    ).toEqual(['downstream', 'upstream']);
    client.write('held-while-cut');
    expect(await silentFor(client, 1500)).toBe(true);
    await page.locator('tr[data-proxy="redis"] .badge.cut').waitFor();
    await shot(page, 'dashboard-partitioned.png');

    await page.getByRole('button', { name: 'Heal redis' }).click();
    await page.getByRole('button', { name: 'Partition redis' }).waitFor();
    expect((await readBytes(client, 14)).toString()).toBe('held-while-cut');
    expect((await proxy('redis')).toxics.map((t) => t.type)).toEqual(['latency']);
    client.destroy();
  });

  it('is operable from the keyboard: select a proxy, d disables and enables, 2 adds latency, 0 takes it away', async () => {
    await page.getByRole('link', { name: 'redis', exact: true }).focus();
    await page.keyboard.press('d');
    await page.getByRole('button', { name: 'Enable redis' }).waitFor();
    expect((await proxy('redis')).enabled).toBe(false);
    await page.keyboard.press('d');
    await page.getByRole('button', { name: 'Disable redis' }).waitFor();
    expect((await proxy('redis')).enabled).toBe(true);
    await page.keyboard.press('k');
    await page.keyboard.press('j');
    await page.keyboard.press('2');
    await page.locator('tr[data-proxy="redis"]', { hasText: 'latency 500 ms' }).waitFor();
    expect((await proxy('redis')).toxics.find((t) => t.name === 'latency_downstream')?.attributes['latency']).toBe(500);
    await page.keyboard.press('0');
    await page.locator('tr[data-proxy="redis"]', { hasText: 'latency 50 ms' }).waitFor({ state: 'detached' });
    expect((await proxy('redis')).toxics).toEqual([]);
  });

  it("adds a toxic with the form built from its schema, showing the API's message for a bad value", async () => {
    await page.getByRole('link', { name: 'redis', exact: true }).click();
    await page.getByRole('heading', { name: 'redis', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add toxic' }).click();
    await page.getByLabel('Type').selectOption('latency');
    await page.getByLabel('Name').fill('slow-replies');
    expect(await page.getByLabel('distribution').inputValue()).toBe('uniform');
    await page.getByLabel('latency (ms)').fill('-5');
    await page.getByRole('button', { name: 'Add toxic' }).last().click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('must be 0 or more (ms), got -5');
    expect(await page.getByLabel('latency (ms)').getAttribute('aria-invalid')).toBe('true');
    expect((await proxy('redis')).toxics).toEqual([]);

    await page.getByLabel('latency (ms)').fill('120');
    await page.getByLabel('jitter (ms)').fill('15');
    await page.getByRole('button', { name: 'Add toxic' }).last().click();
    await page.getByRole('button', { name: 'Edit slow-replies' }).waitFor();
    expect((await proxy('redis')).toxics).toEqual([
      { name: 'slow-replies', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 120, jitter: 15 } },
    ]);
    await page.locator('tr[data-proxy="redis"] .rates', { hasText: /↑ [1-9][\d.]* [kM]B\/s/ }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1500);
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'dashboard-proxy.png');
    await page.getByRole('button', { name: 'Remove slow-replies' }).click();
    await page.getByRole('button', { name: 'Edit slow-replies' }).waitFor({ state: 'detached' });

    // The background client's connection, killed from its row.
    const close = page.getByRole('button', { name: /^Close connection \d+ of redis$/ }).first();
    const id = Number(/(\d+)/.exec((await close.getAttribute('aria-label')) ?? '')?.[1]);
    await close.click();
    await eventually(
      async () => !((await b.get('/proxies/redis/connections')).json as Array<{ id: number }>).some((c) => c.id === id),
      10_000,
      `connection ${id} to close`,
    );
  });

  it('checks a scenario (validate and dry run), starts it, and shows it finish with its verdict and journal', async () => {
    await page.goto(`${server.url}/ui/#/scenarios`);
    const scenario = [
      'version: 1',
      'name: dashboard-drill',
      'proxies:',
      '  - name: redis',
      'probes:',
      '  - name: echo-answers',
      `    tcp: { address: "${echo.address}" }`,
      '    mode: continuous',
      '    interval: 250ms',
      'steps:',
      '  - name: cut replies',
      '    toxic: { proxy: redis, type: partition, stream: downstream }',
      '    for: 1500ms',
      '  - name: recovery',
      '    wait: 1s',
      '',
    ].join('\n');
    await page.getByLabel(/^Scenario/).fill(scenario);
    await page.getByRole('button', { name: 'Check (validate and dry run)' }).click();
    await page.getByText('scenario: valid — 2 steps, 1 fault, 1 probe, 1 proxy, runs 2.5s').waitFor();
    expect(await page.getByLabel('Dry run').innerText()).toContain('add partition partition_downstream on redis for 1.5s');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('heading', { name: /dashboard-drill/ }).waitFor();
    await page.locator('.verdict', { hasText: 'passed' }).waitFor({ timeout: 30_000 });
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    expect((await b.get(`/scenarios/${id}`)).json).toMatchObject({ status: 'finished', verdict: 'passed' });
    expect(await page.locator('.step-done').count()).toBe(2);
    await shot(page, 'dashboard-scenario.png');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download journal of dashboard-drill' }).click(),
    ]);
    const journal = JSON.parse(await readFile((await download.path()) ?? '', 'utf8')) as Record<string, unknown>;
    expect(journal).toMatchObject({ scenario: { name: 'dashboard-drill' }, verdict: 'passed' });

    // Back on the list, the run left its marks: a dip in redis's traffic and its events in the log.
    await page.getByRole('link', { name: 'Proxies' }).click();
    await page.locator('.ev', { hasText: 'toxic removed: partition_downstream' }).first().waitFor();
    await page.waitForTimeout(1500);
    await shot(page, 'dashboard-proxies.png');
  });

  it('reflows at 200 % zoom: one column, every control reachable, no sideways scrolling', async () => {
    const zoomed = await browser.context.newPage();
    try {
      // 200 % zoom of a 1440 × 900 window lays the page out in 720 × 450 CSS pixels.
      await zoomed.setViewportSize({ width: 720, height: 450 });
      await zoomed.goto(`${server.url}/ui/`);
      await zoomed.getByRole('button', { name: 'Partition redis' }).waitFor();
      expect(await zoomed.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
      for (const name of ['Disable redis', 'Partition redis', 'Remove every toxic from redis', 'Enable postgres']) {
        const box = await zoomed.getByRole('button', { name }).boundingBox();
        expect(box, name).not.toBeNull();
        expect((box?.x ?? 0) + (box?.width ?? 0), name).toBeLessThanOrEqual(720);
      }
      if (SHOTS) {
        await zoomed.setViewportSize({ width: 720, height: 900 });
        await zoomed.waitForTimeout(500);
        await shot(zoomed, 'dashboard-zoom-200.png');
      }
    } finally {
      await zoomed.close();
    }
  });

  it("refuses a cross-origin page's fetch: nothing changes", async () => {
    const foreign: Server = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title><p>another site'));
    await new Promise<void>((done) => foreign.listen(0, '127.0.0.1', done));
    const other = await browser.context.newPage();
    try {
      const { port } = foreign.address() as { port: number };
      await other.goto(`http://127.0.0.1:${port}/`);
      const outcomes = await other.evaluate(async (apiUrl) => {
        const attempt = (init: RequestInit) =>
          fetch(`${apiUrl}/proxies/redis`, init).then(
            (r) => (r.type === 'opaque' ? 'opaque' : `status ${r.status}`),
            (e: Error) => `refused: ${e.name}`,
          );
        return {
          simple: await attempt({ method: 'POST', body: '{"enabled":false}' }),
          noCors: await attempt({ method: 'POST', body: '{"enabled":false}', mode: 'no-cors' }),
          withHeader: await attempt({ method: 'POST', body: '{"enabled":false}', headers: { 'X-Faultline-Dashboard': '1' } }),
          read: await attempt({ method: 'GET' }),
        };
      }, server.url);
      expect(outcomes).toEqual({
        simple: 'refused: TypeError',
        noCors: 'opaque',
        withHeader: 'refused: TypeError',
        read: 'refused: TypeError',
      });
      // The two requests the browser did send (simple and no-cors) were refused by the server.
      expect((await proxy('redis')).enabled).toBe(true);
    } finally {
      await other.close();
      foreign.close();
    }
  });

  it('refuses a foreign Host (DNS rebinding): the page and its calls get 403', async () => {
    const rebound = await browser.context.newPage();
    try {
      const res = await rebound.goto(`http://rebound.test:${server.port}/ui/`);
      expect(res?.status()).toBe(403);
      expect(await rebound.innerText('body')).toContain('host not allowed: \\"rebound.test:');
      const status = await rebound.evaluate(() =>
        fetch('/proxies/redis', { method: 'POST', headers: { 'X-Faultline-Dashboard': '1' }, body: '{"enabled":false}' }).then(
          (r) => r.status,
        ),
      );
      expect(status).toBe(403);
      expect((await proxy('redis')).enabled).toBe(true);
    } finally {
      await rebound.close();
    }
  });

  it('asks once for the token when the server has one, and keeps it for the tab', async () => {
    const locked = await startFaultline(['serve', '--port', '0', '--token', 'dash-secret']);
    servers.push(locked);
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`${locked.url}/ui/`);
      await tab.getByRole('dialog', { name: 'This Faultline needs its token' }).waitFor();
      await tab.getByRole('textbox', { name: 'Token' }).fill('wrong');
      await tab.getByRole('button', { name: 'Unlock' }).click();
      await tab.getByText('That token was refused.').waitFor();
      await tab.getByRole('textbox', { name: 'Token' }).fill('dash-secret');
      await tab.getByRole('button', { name: 'Unlock' }).click();
      await tab.getByText('No proxies yet.', { exact: false }).waitFor();
      await api(locked.url, { headers: { Authorization: 'Bearer dash-secret' } }).post('/proxies', {
        name: 'behind-token',
        listen: '127.0.0.1:0',
        upstream: echo.address,
      });
      await tab.getByRole('button', { name: 'Disable behind-token' }).waitFor();
      await tab.reload();
      await tab.getByRole('button', { name: 'Disable behind-token' }).waitFor();
      expect(await tab.getByRole('dialog').count()).toBe(0);
    } finally {
      await tab.close();
    }
  });
});

interface RenderFigures {
  /** Navigation start to the first drawing with the proxy list, ms. */
  firstRender: number;
  /** How long that first drawing took, ms. */
  firstDraw: number;
  /** Drawings after that, ms each. */
  updates: number[];
}

/** Opens the dashboard in a new tab, waits `settleMs` of live updates, and reads the page's own measurements. */
async function measure(url: string, rows: number, settleMs: number): Promise<RenderFigures> {
  const tab = await browser.context.newPage();
  try {
    await tab.goto(`${url}/ui/`);
    await tab
      .locator('tr[data-proxy]')
      .nth(rows - 1)
      .waitFor({ timeout: 60_000 });
    expect(await tab.locator('tr[data-proxy]').count()).toBe(rows);
    await tab.waitForTimeout(settleMs);
    return await tab.evaluate(() => {
      const first = performance.getEntriesByName('faultline:first-render')[0]?.startTime ?? Number.NaN;
      const renders = performance.getEntriesByName('faultline:render');
      const firstDraw = renders.find((e) => e.startTime + e.duration >= first - 0.5)?.duration ?? Number.NaN;
      const updates = renders.filter((e) => e.startTime > first + 1000).map((e) => e.duration);
      return { firstRender: first, firstDraw, updates };
    });
  } finally {
    await tab.close();
  }
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

describe('200 proxies and 2,000 connections', () => {
  it('first render and per-update cost stay within a small multiple of the two-proxy page of the same run', async () => {
    const big = await startFaultline(['serve', '--port', '0']);
    servers.push(big);
    const bigApi = api(big.url);
    const populated = await bigApi.post(
      '/populate',
      Array.from({ length: 200 }, (_, i) => ({ name: `svc-${String(i).padStart(3, '0')}`, listen: '127.0.0.1:0', upstream: echo.address })),
      { timeoutMs: 30_000 },
    );
    expect(populated.status).toBe(201);
    const listens = (populated.json as { proxies: Array<{ listen: string }> }).proxies.map((p) => Number(p.listen.split(':')[1]));
    const open: Socket[] = [];
    for (const port of listens) for (let i = 0; i < 10; i++) open.push(await connectTo(port));
    sockets.push(...open);
    for (const s of open) s.on('error', () => {}).resume();
    // Traffic on one connection of each proxy, so every sparkline moves.
    const traffic = setInterval(() => {
      for (let i = 0; i < listens.length; i++) open[i * 10]?.write('y'.repeat(2048));
    }, 250);
    try {
      // Every connection accepted and dialled through (its connection.opened sent) before measuring.
      await eventually(
        async () => {
          const { proxies } = (await bigApi.get('/faultline/traffic')).json as { proxies: Record<string, { connections: number[] }> };
          return Object.values(proxies).reduce((n, p) => n + (p.connections.at(-1) ?? 0), 0) === 2000;
        },
        60_000,
        'the 2,000 connections',
      );
      // Small and large pages in turn, twice, so both see the same machine; the quickest first
      // render of each counts, and every update of both rounds.
      const rounds: Array<[RenderFigures, RenderFigures]> = [];
      for (let i = 0; i < 2; i++) rounds.push([await measure(server.url, 2, 3000), await measure(big.url, 200, 3000)]);
      const summary = (side: 0 | 1) => {
        const all = rounds.map((r) => r[side]);
        const updates = all.flatMap((f) => f.updates);
        return {
          firstRender: Math.min(...all.map((f) => f.firstRender)),
          firstDraw: Math.min(...all.map((f) => f.firstDraw)),
          updateMedian: quantile(updates, 0.5),
          updateP95: quantile(updates, 0.95),
          updates: updates.length,
        };
      };
      const baseline = summary(0);
      const loaded = summary(1);
      const round = (f: typeof baseline) => ({
        first_render_ms: Math.round(f.firstRender),
        first_draw_ms: Math.round(f.firstDraw * 10) / 10,
        update_median_ms: Math.round(f.updateMedian * 10) / 10,
        update_p95_ms: Math.round(f.updateP95 * 10) / 10,
        updates: f.updates,
      });
      process.stdout.write(`dashboard render figures: ${JSON.stringify({ baseline: round(baseline), loaded: round(loaded) })}\n`);
      expect(loaded.updates).toBeGreaterThanOrEqual(4);
      // A hundred times the rows and a thousand times the connections, and the page stays smooth:
      // the first drawing within a few times the two-proxy page's, and a live update (a traffic
      // sample for every proxy) within ten times the small page's, or one frame (16.7 ms) more.
      expect(loaded.firstRender).toBeLessThan(Math.max(4 * baseline.firstRender, baseline.firstRender + 2000));
      expect(loaded.updateMedian).toBeLessThan(Math.max(10 * baseline.updateMedian, baseline.updateMedian + 1000 / 60));
    } finally {
      clearInterval(traffic);
      for (const s of open) s.destroy();
    }
  });
});
