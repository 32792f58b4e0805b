/**
 * The built `faultline` client verbs (list, inspect, create, toggle, delete, toxic add/update/remove)
 * as processes against a real `faultline serve`: toxiproxy-cli's names, aliases, flags and
 * tab-separated output (stdout is a pipe here, not a terminal), and its error exits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/api/client.js';
import { runCli, startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { canConnect, connectTo, freePort, readBytes, startEchoServer, type TestServer } from './helpers/net.js';

let server: FaultlineProcess;
let secured: FaultlineProcess;
let echo: TestServer;
let admin: AdminClient;

/** The environment every run starts from: no URL or token inherited from the shell running the tests. */
const CLEAN = { FAULTLINE_URL: undefined, TOXIPROXY_URL: undefined, FAULTLINE_TOKEN: undefined, NO_COLOR: undefined };

/** Runs the CLI against the test server (through FAULTLINE_URL unless `env` says otherwise). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { env: { ...CLEAN, FAULTLINE_URL: server.url, ...env } });
}

/** Asserts a clean success and returns stdout. */
async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const out = await cli(args, env);
  expect({ code: out.code, stderr: out.stderr }, `faultline ${args.join(' ')}`).toEqual({ code: 0, stderr: '' });
  return out.stdout;
}

/** Asserts a failure with `code`, nothing on stdout and no stack trace; returns stderr. */
async function fails(code: number, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const out = await cli(args, env);
  expect({ code: out.code, stdout: out.stdout }, `faultline ${args.join(' ')}; stderr: ${out.stderr}`).toEqual({ code, stdout: '' });
  expect(out.stderr).not.toMatch(/\n\s+at /);
  expect(out.stderr.trim()).not.toBe('');
  return out.stderr;
}

beforeAll(async () => {
  [server, secured, echo] = await Promise.all([
    startFaultline(),
    startFaultline(['serve', '--port', '0', '--token', 'let-me-in']),
    startEchoServer(),
  ]);
  admin = new AdminClient(server.url);
});

afterAll(async () => {
  await Promise.all([server?.stop(), secured?.stop(), echo?.close()]);
});

async function listenOf(name: string): Promise<string> {
  return (await admin.proxy(name)).listen;
}

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

/** A latency no round trip on loopback comes near, however busy the machine. */
const LONG_LATENCY_MS = 10_000;

/** One echo round trip through `port`, in ms. */
async function roundTrip(port: number): Promise<number> {
  const socket = await connectTo(port);
  try {
    const started = performance.now();
    socket.write('ping');
    expect((await readBytes(socket, 4)).toString()).toBe('ping');
    return performance.now() - started;
  } finally {
    socket.destroy();
  }
}

describe('faultline list', () => {
  it('prints nothing for no proxies, under every alias', async () => {
    await Promise.all((await admin.proxies().then(Object.keys)).map((name) => admin.deleteProxy(name)));
    for (const verb of ['list', 'l', 'li', 'ls']) expect(await ok([verb])).toBe('');
  });

  it('prints name, listen, upstream, state and toxic count per proxy, sorted by name', async () => {
    await admin.createProxy({ name: 'zeta', listen: '127.0.0.1:0', upstream: 'zeta.internal:80', enabled: false });
    await admin.createProxy({ name: 'alpha', listen: '127.0.0.1:0', upstream: echo.address });
    await admin.addToxic('alpha', { type: 'latency' });
    const alpha = await listenOf('alpha');
    expect(await ok(['ls'])).toBe(`alpha\t${alpha}\t${echo.address}\tenabled\t1\nzeta\t127.0.0.1:0\tzeta.internal:80\tdisabled\t0\n`);
    await admin.deleteProxy('alpha');
    await admin.deleteProxy('zeta');
  });
});

describe('faultline create', () => {
  it("creates a listening proxy and prints toxiproxy-cli's line", async () => {
    expect(await ok(['create', '--listen', '127.0.0.1:0', '--upstream', echo.address, 'web'])).toBe('Created new proxy web\n');
    const proxy = await admin.proxy('web');
    expect(proxy).toMatchObject({ name: 'web', upstream: echo.address, enabled: true, toxics: [] });
    await roundTrip(portOf(proxy.listen));
  });

  it('takes the aliases, short flags, and flags after the name', async () => {
    expect(await ok(['c', '-l', '127.0.0.1:0', '-u', echo.address, 'c1'])).toBe('Created new proxy c1\n');
    expect(await ok(['new', 'c2', '-l', '127.0.0.1:0', '-u', echo.address])).toBe('Created new proxy c2\n');
    expect(await ok(['create', '-listen=127.0.0.1:0', '-upstream', echo.address, 'c3'])).toBe('Created new proxy c3\n');
    for (const name of ['c1', 'c2', 'c3']) expect((await admin.proxy(name)).enabled).toBe(true);
  });

  it("fails with the server's message when the name is taken", async () => {
    expect(await fails(1, ['create', '-l', '127.0.0.1:0', '-u', echo.address, 'web'])).toBe(
      'Failed to create proxy: HTTP 409: proxy already exists\n',
    );
  });

  it('fails with the bind error when the listen port is taken', async () => {
    const taken = await listenOf('web');
    expect(await fails(1, ['create', '-l', taken, '-u', echo.address, 'clash'])).toBe(
      `Failed to create proxy: HTTP 500: listen tcp ${taken}: bind: address already in use\n`,
    );
  });

  it('creates an HTTP proxy with --protocol http, which then takes HTTP toxics with nested attributes', async () => {
    expect(await ok(['create', '-l', '127.0.0.1:0', '-u', echo.address, '--protocol', 'http', 'api'])).toBe('Created new proxy api\n');
    expect((await admin.proxy('api')).protocol).toBe('http');
    await ok([
      'toxic',
      'add',
      '-t',
      'http_abort',
      '-u',
      '-a',
      'status=503',
      '-a',
      'reset=false',
      '-a',
      'match={"methods":["POST"],"path":"/orders/*"}',
      'api',
    ]);
    expect((await admin.toxic('api', 'http_abort_upstream')).attributes).toMatchObject({
      status: 503,
      reset: false,
      match: { methods: ['POST'], path: '/orders/*' },
    });
    expect(await fails(2, ['create', '-l', '127.0.0.1:0', '-u', echo.address, '--protocol', 'udp', 'u'])).toMatch(
      /^faultline create: --protocol must be tcp, http or http2, got "udp"\n/,
    );
    await admin.deleteProxy('api');
  });

  it('is a usage error without --listen, --upstream or a name', async () => {
    expect(await fails(2, ['create', '-u', echo.address, 'x'])).toBe(
      "faultline create: --listen ADDR is required\nRun 'faultline create --help' for usage.\n",
    );
    expect(await fails(2, ['create', '-l', '127.0.0.1:0', 'x'])).toMatch(/^faultline create: --upstream ADDR is required\n/);
    expect(await fails(2, ['create', '-l', '127.0.0.1:0', '-u', echo.address])).toMatch(
      /^faultline create: missing argument <proxyName>\n/,
    );
    expect(await fails(2, ['create', '-l', '127.0.0.1:0', '-u', echo.address, 'a', 'b'])).toMatch(
      /^faultline create: unexpected argument "b"\n/,
    );
  });
});

describe('faultline toxic', () => {
  it('adds a downstream toxic by default, with numeric attributes that reach the data path', async () => {
    const port = portOf(await listenOf('web'));
    expect(await ok(['toxic', 'add', '-t', 'latency', '-a', 'latency=150', '-a', 'jitter=0', 'web'])).toBe(
      "Added downstream latency toxic 'latency_downstream' on proxy 'web'\n",
    );
    expect(await admin.toxic('web', 'latency_downstream')).toEqual({
      attributes: { latency: 150, jitter: 0 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    });
    expect(await roundTrip(port)).toBeGreaterThanOrEqual(140);
  });

  it('adds with the t a aliases, upstream, a name and a toxicity, flags in any order', async () => {
    expect(await ok(['t', 'a', 'web', '-t', 'partition', '--upstream', '-n', 'cut', '--tox', '0.5'])).toBe(
      "Added upstream partition toxic 'cut' on proxy 'web'\n",
    );
    expect(
      await ok(['toxic', 'add', '--type=slow_close', '-d', '--toxicName', 'slow', '--toxicity', '0.25', '-a', 'delay=10', 'web']),
    ).toBe("Added downstream slow_close toxic 'slow' on proxy 'web'\n");
    expect(await admin.toxic('web', 'cut')).toMatchObject({ stream: 'upstream', toxicity: 0.5 });
  });

  it('sends a non-numeric attribute as a string', async () => {
    await ok(['toxic', 'add', '-t', 'latency', '-n', 'shaped', '-a', 'latency=10', '-a', 'jitter=2', '-a', 'distribution=normal', 'web']);
    expect((await admin.toxic('web', 'shaped')).attributes).toMatchObject({ latency: 10, jitter: 2, distribution: 'normal' });
    await admin.removeToxic('web', 'shaped');
  });

  it("inspect prints toxiproxy-cli's line per toxic, upstream first, under every alias", async () => {
    const expected =
      'cut\ttype=partition\tstream=upstream\ttoxicity=0.50\tattributes=[\tmax_stall=0\t]\n' +
      'latency_downstream\ttype=latency\tstream=downstream\ttoxicity=1.00\tattributes=[\tjitter=0\tlatency=150\t]\n' +
      'slow\ttype=slow_close\tstream=downstream\ttoxicity=0.25\tattributes=[\tdelay=10\t]\n';
    for (const verb of ['inspect', 'i', 'ins']) expect(await ok([verb, 'web'])).toBe(expected);
    expect(await ok(['inspect', 'c1'])).toBe('');
  });

  it('updates attributes and keeps the toxicity when --toxicity is not given', async () => {
    expect(await ok(['toxic', 'update', '-n', 'cut', '-a', 'max_stall=5000', 'web'])).toBe("Updated toxic 'cut' on proxy 'web'\n");
    expect(await admin.toxic('web', 'cut')).toMatchObject({ toxicity: 0.5, attributes: { max_stall: 5000 } });
    expect(await ok(['t', 'u', 'web', '-n', 'cut', '--tox', '1'])).toBe("Updated toxic 'cut' on proxy 'web'\n");
    expect(await admin.toxic('web', 'cut')).toMatchObject({ toxicity: 1, attributes: { max_stall: 5000 } });
  });

  it('removes toxics under every alias', async () => {
    await admin.addToxic('web', { name: 'n1', type: 'noop' });
    await admin.addToxic('web', { name: 'n2', type: 'noop' });
    expect(await ok(['toxic', 'remove', '-n', 'cut', 'web'])).toBe("Removed toxic 'cut' on proxy 'web'\n");
    expect(await ok(['t', 'r', '-n', 'slow', 'web'])).toBe("Removed toxic 'slow' on proxy 'web'\n");
    expect(await ok(['t', 'delete', '-n', 'n1', 'web'])).toBe("Removed toxic 'n1' on proxy 'web'\n");
    expect(await ok(['t', 'd', 'web', '--toxicName', 'n2'])).toBe("Removed toxic 'n2' on proxy 'web'\n");
    expect((await admin.toxics('web')).map((t) => t.name)).toEqual(['latency_downstream']);
    // Removed from the data path too: a round trip takes less than the latency the toxic would add
    // (a latency made long, so that a busy machine's delays cannot pass for it).
    await admin.request('POST', '/proxies/web/toxics/latency_downstream', { attributes: { latency: LONG_LATENCY_MS } });
    await ok(['t', 'r', '-n', 'latency_downstream', 'web']);
    expect(await roundTrip(portOf(await listenOf('web')))).toBeLessThan(LONG_LATENCY_MS);
  });

  it("fails with the server's message for an unknown proxy, toxic or type, and for a taken name", async () => {
    expect(await fails(1, ['toxic', 'add', '-t', 'latency', 'nope'])).toBe('Failed to add toxic: HTTP 404: proxy not found\n');
    expect(await fails(1, ['toxic', 'add', '-t', 'down', 'web'])).toMatch(
      /^Failed to add toxic: HTTP 400: invalid toxic type\nToxic types on this server: latency, [a-z0-9_, ]+\.\n$/,
    );
    await ok(['toxic', 'add', '-t', 'latency', '-n', 'dup', 'web']);
    expect(await fails(1, ['toxic', 'add', '-t', 'noop', '-n', 'dup', '-u', 'web'])).toBe(
      'Failed to add toxic: HTTP 409: toxic already exists\n',
    );
    expect(await fails(1, ['toxic', 'update', '-n', 'nope', '-a', 'x=1', 'web'])).toBe(
      'Failed to update toxic: HTTP 404: toxic not found\n',
    );
    expect(await fails(1, ['toxic', 'remove', '-n', 'nope', 'web'])).toBe('Failed to remove toxic: HTTP 404: toxic not found\n');
    expect(await fails(1, ['toxic', 'update', '-n', 'dup', '-a', 'latency=soon', 'web'])).toMatch(
      /^Failed to update toxic: HTTP 400: .*latency.*\n$/,
    );
    await admin.removeToxic('web', 'dup');
  });

  it('reports usage errors with exit 2', async () => {
    expect(await fails(2, ['toxic', 'add', '-n', 'x', 'web'])).toMatch(/^faultline toxic add: --type TYPE is required\n/);
    expect(await fails(2, ['toxic', 'add', '-t', 'latency', '-u', '-d', 'web'])).toMatch(
      /^faultline toxic add: give --upstream or --downstream, not both\n/,
    );
    expect(await fails(2, ['toxic', 'add', '-t', 'latency', '--tox', '1.5', 'web'])).toMatch(
      /^faultline toxic add: toxicity should be a number from 0 to 1/,
    );
    expect(await fails(2, ['toxic', 'add', '-t', 'latency', '-a', 'latency', 'web'])).toMatch(
      /^faultline toxic add: attribute "latency" is not key=value\n/,
    );
    expect(await fails(2, ['toxic', 'update', '-n', 'x', 'web'])).toMatch(/^faultline toxic update: nothing to update/);
    expect(await fails(2, ['toxic', 'update', '-a', 'x=1', 'web'])).toMatch(/^faultline toxic update: --toxicName NAME is required\n/);
    expect(await fails(2, ['toxic', 'remove', '-u', '-n', 'x', 'web'])).toMatch(/^faultline toxic remove: unknown flag --upstream\n/);
    expect(await fails(2, ['toxic', 'remove', 'web'])).toMatch(/^faultline toxic remove: --toxicName NAME is required\n/);
    expect(await fails(2, ['toxic'])).toMatch(/^faultline toxic: missing command \(add, update or remove\)\n/);
    expect(await fails(2, ['toxic', 'bogus', 'web'])).toMatch(/^faultline toxic: unknown command "bogus"\n/);
    expect(await fails(2, ['toxic', 'add', '--bogus', 'web'])).toMatch(/^faultline toxic: unknown flag --bogus\n/);
  });
});

describe('faultline toggle', () => {
  it('disables and enables a proxy under both names', async () => {
    const port = portOf(await listenOf('web'));
    expect(await ok(['toggle', 'web'])).toBe('Proxy web is now disabled\n');
    expect(await canConnect(port)).toBe(false);
    expect(await ok(['tog', 'web'])).toBe('Proxy web is now enabled\n');
    expect(await canConnect(port)).toBe(true);
  });

  it('fails for an unknown proxy', async () => {
    expect(await fails(1, ['toggle', 'nope'])).toBe('Failed to retrieve proxy nope: HTTP 404: proxy not found\n');
  });
});

describe('faultline delete', () => {
  it('deletes a proxy under both names and closes its port', async () => {
    const port = portOf(await listenOf('c1'));
    expect(await ok(['delete', 'c1'])).toBe('Deleted proxy c1\n');
    expect(await ok(['d', 'c2'])).toBe('Deleted proxy c2\n');
    expect(await canConnect(port)).toBe(false);
    expect(Object.keys(await admin.proxies()).sort()).toEqual(['c3', 'web']);
  });

  it('fails for an unknown proxy', async () => {
    expect(await fails(1, ['delete', 'nope'])).toBe('Failed to delete proxy nope: HTTP 404: proxy not found\n');
  });
});

describe('choosing the server', () => {
  const expected = async (): Promise<string> => (await ok(['list'])).split('\n').filter(Boolean).sort().join('\n');

  it("takes --url, toxiproxy-cli's -h/--host (with or without http://), FAULTLINE_URL and TOXIPROXY_URL", async () => {
    const want = await expected();
    const hostPort = server.url.replace(/^http:\/\//, '');
    const runs = [
      cli(['list', '--url', server.url], { FAULTLINE_URL: undefined }),
      cli(['-h', hostPort, 'list'], { FAULTLINE_URL: undefined }),
      cli(['list', '--host', server.url], { FAULTLINE_URL: undefined }),
      cli(['list'], { FAULTLINE_URL: undefined, TOXIPROXY_URL: server.url }),
    ];
    for (const out of await Promise.all(runs)) {
      expect(out.code).toBe(0);
      expect(out.stdout.split('\n').filter(Boolean).sort().join('\n')).toBe(want);
    }
  });

  it('prefers --url over FAULTLINE_URL, and FAULTLINE_URL over TOXIPROXY_URL', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    expect((await cli(['list', '--url', server.url], { FAULTLINE_URL: dead })).code).toBe(0);
    expect((await cli(['list'], { FAULTLINE_URL: server.url, TOXIPROXY_URL: dead })).code).toBe(0);
  });

  it('fails with a message and advice, not a stack trace, when the server cannot be reached', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const stderr = await fails(1, ['list'], { FAULTLINE_URL: dead });
    expect(stderr).toBe(
      `Failed to retrieve proxies: cannot reach ${dead}: ECONNREFUSED\n` +
        "Is the server running? Start one with 'faultline serve', or point at another with --url or FAULTLINE_URL.\n",
    );
    expect(await fails(1, ['inspect', 'web'], { FAULTLINE_URL: dead })).toMatch(/^Failed to retrieve proxy web: cannot reach /);
  });

  it('sends the token from --token or FAULTLINE_TOKEN, and says when one is needed', async () => {
    expect(await fails(1, ['list'], { FAULTLINE_URL: secured.url })).toMatch(
      /^Failed to retrieve proxies: HTTP 401: .*\nThe server requires a token: pass --token or set FAULTLINE_TOKEN\.\n$/,
    );
    expect(
      await ok(['create', '-l', '127.0.0.1:0', '-u', echo.address, 'guarded', '--token', 'let-me-in'], { FAULTLINE_URL: secured.url }),
    ).toBe('Created new proxy guarded\n');
    expect(await ok(['list'], { FAULTLINE_URL: secured.url, FAULTLINE_TOKEN: 'let-me-in' })).toMatch(/^guarded\t127\.0\.0\.1:\d+\t/);
  });
});

describe('usage', () => {
  it('prints help for every verb on stdout with exit 0', async () => {
    const verbs = [['list'], ['inspect'], ['create'], ['toggle'], ['delete'], ['toxic', 'add'], ['toxic', 'update'], ['toxic', 'remove']];
    const outs = await Promise.all(verbs.map((verb) => cli([...verb, '--help'])));
    outs.forEach((out, i) => {
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(new RegExp(`^Usage: faultline ${verbs[i]!.join(' ')} \\[options\\]`));
      expect(out.stdout).toContain('--url URL');
    });
    expect(outs[5]!.stdout).toContain('partition');
    expect((await cli(['toxic', '--help'])).stdout).toMatch(/^Usage: faultline toxic <command>/);
    expect((await cli(['ls', '-h'])).stdout).toMatch(/^Usage: faultline list/);
  });

  it('fails with exit 2 for an unknown flag or an extra argument', async () => {
    expect(await fails(2, ['list', '--bogus'])).toBe("faultline list: unknown flag --bogus\nRun 'faultline list --help' for usage.\n");
    expect(await fails(2, ['list', 'extra'])).toMatch(/^faultline list: unexpected argument "extra"\n/);
    expect(await fails(2, ['inspect'])).toMatch(/^faultline inspect: missing argument <proxyName>\n/);
    expect(await fails(2, ['list', '--url'])).toMatch(/^faultline list: flag --url needs a value\n/);
    expect(await fails(2, ['list', '--url', 'http://a:1', '--host', 'http://b:2'])).toMatch(/^faultline list: --url and --host/);
  });

  it('fails with exit 2 for an unknown command', async () => {
    expect(await fails(2, ['frobnicate'])).toMatch(/^faultline: unknown command "frobnicate"/);
  });
});
