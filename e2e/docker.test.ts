/**
 * The container image without a Docker engine: the Dockerfile's steps replayed in a clean temporary
 * directory (compile the sources as the build stage does, a production-only `npm ci` as the deps
 * stage does, the final stage's files copied), then the image's entrypoint run as the container
 * would run it, each time in a network namespace of its own (so 0.0.0.0:8474 is private to it):
 * no arguments, Toxiproxy's argv forms, the CLI path, and the HEALTHCHECK command.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { inNamespaceOf, NETNS } from './helpers/netns.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

let dockerfile: string;
let work: string;
let app: string;
const servers: FaultlineProcess[] = [];

/** Copies a source tree as the build context would hold it: .dockerignore drops tests and test helpers. */
async function copyContext(from: string, to: string): Promise<void> {
  await cp(from, to, {
    recursive: true,
    filter: (path) => !path.endsWith('.test.ts') && !path.includes(`${join('src', 'testing')}`),
  });
}

beforeAll(async () => {
  dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
  work = await mkdtemp(join(tmpdir(), 'faultline-image-'));
  const build = join(work, 'build');
  app = join(work, 'app');
  await mkdir(build);
  await mkdir(app);

  // Build stage: the lockfile's dependencies (the repository's own install of that lockfile), then tsc.
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])
    await cp(join(ROOT, file), join(build, file));
  await copyContext(join(ROOT, 'src'), join(build, 'src'));
  await cp(join(ROOT, 'dashboard'), join(build, 'dashboard'), { recursive: true });
  await cp(join(ROOT, 'scripts'), join(build, 'scripts'), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
  const compile = (async () => {
    await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: build, timeout: 150_000 });
    await run(process.execPath, ['dashboard/build.mjs'], { cwd: build, timeout: 60_000 });
    await run(process.execPath, ['scripts/bundle-cli.mjs'], { cwd: build, timeout: 60_000 });
  })();

  // Deps stage: production dependencies only, from the shared npm cache.
  for (const file of ['package.json', 'package-lock.json']) await cp(join(ROOT, file), join(app, file));
  const install = run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: app,
    timeout: 150_000,
  });
  await Promise.all([compile, install]);

  // Final stage.
  await cp(join(build, 'dist', 'src'), join(app, 'dist', 'src'), { recursive: true });
  await cp(join(build, 'dist', 'bin'), join(app, 'dist', 'bin'), { recursive: true });
  await cp(join(build, 'dist', 'ui'), join(app, 'dist', 'ui'), { recursive: true });
  await cp(join(ROOT, 'configs'), join(app, 'configs'), { recursive: true });
  await cp(join(ROOT, 'docker'), join(app, 'docker'), { recursive: true });
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  if (work) await rm(work, { recursive: true, force: true });
});

/** The variables the Dockerfile's ENV lines set. */
function dockerfileEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, body] of dockerfile.replace(/\\\n/g, ' ').matchAll(/^ENV (.+)$/gm)) {
    for (const [, key, value] of (body ?? '').matchAll(/(\w+)=(\S+)/g)) env[key ?? ''] = value ?? '';
  }
  return env;
}

/** The image's environment, as its ENV lines set it, with /app moved to the temporary directory. */
function imageEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...dockerfileEnv(), FAULTLINE_HOME: app, ...extra };
}

/** Runs the entrypoint with `args` in a private network namespace, as `docker run IMAGE args…`. */
async function container(args: string[], env: Record<string, string> = {}): Promise<FaultlineProcess> {
  const server = await startFaultline(args, { wrap: NETNS, command: ['sh', join(app, 'docker', 'entrypoint.sh')], env: imageEnv(env) });
  servers.push(server);
  return server;
}

/** Runs a command inside the namespace of a running container (`docker exec`). */
function exec(server: FaultlineProcess, command: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  return inNamespaceOf(server.child.pid, command, imageEnv(env));
}

const curl = (server: FaultlineProcess, path: string) => exec(server, ['curl', '-sS', `http://127.0.0.1:8474${path}`]);

describe('Dockerfile', () => {
  it('is multi-stage on a slim Node 20 base, installs production dependencies only, runs as a non-root user, exposes 8474 and checks /version', () => {
    const froms = dockerfile.match(/^FROM .*$/gm) ?? [];
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20[\w.-]*-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8474$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "\/app\/docker\/healthcheck\.mjs"\]$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/faultline-entrypoint"\]$/m);
    expect(dockerfileEnv()).toMatchObject({ NODE_ENV: 'production', FAULTLINE_HOST: '0.0.0.0', FAULTLINE_ALLOW_REMOTE_LISTEN: 'true' });
    expect(dockerfile).toContain('ln -s /usr/local/bin/faultline-entrypoint /toxiproxy');
    expect(dockerfile).toContain('ln -s /usr/local/bin/faultline /toxiproxy-cli');
  });

  it('copies only files that exist, and the build context keeps them', async () => {
    const ignore = await readFile(join(ROOT, '.dockerignore'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      await expect(
        readdir(join(ROOT, source)).catch(() => readFile(join(ROOT, source))),
        source,
      ).resolves.toBeDefined();
      const top = source.split('/')[0] ?? source;
      expect(ignore, `.dockerignore keeps ${source}`).toMatch(new RegExp(`^!${top.replace('.', '\\.')}/?$`, 'm'));
    }
  });

  it('the production install has the runtime dependencies and none of the development ones', async () => {
    const installed = new Set(await readdir(join(app, 'node_modules')));
    for (const name of ['express', 'pino', 'pino-pretty', 'prom-client', 'yaml', 'zod']) expect(installed, name).toContain(name);
    for (const name of ['typescript', 'vitest', 'ioredis', 'pg', 'eventsource', 'toxiproxy-node-client'])
      expect(installed, name).not.toContain(name);
  });
});

describe('the image, run as a container would run it', () => {
  it('with no arguments: the admin API on 0.0.0.0:8474, no proxies, a passing HEALTHCHECK', async () => {
    const server = await container([]);
    expect(server.logs.find((l) => l['msg'] === 'admin API listening')).toMatchObject({ host: '0.0.0.0', port: 8474, proxies: 0 });
    expect((await curl(server, '/version')).stdout).toBe('{"version": "2.12.0"}\n');
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(JSON.parse((await curl(server, '/faultline/info')).stdout)).toMatchObject({ version: pkg.version });
    expect(JSON.parse((await curl(server, '/proxies')).stdout)).toEqual({});
    expect((await exec(server, ['node', join(app, 'docker', 'healthcheck.mjs')])).code).toBe(0);
    // The dashboard ships in the image: its page and its script, from /app/dist/ui.
    expect((await curl(server, '/ui/')).stdout).toContain('<title>Faultline</title>');
    expect((await curl(server, '/ui/app.js')).stdout.length).toBeGreaterThan(10_000);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it("Testcontainers' argv: -host=0.0.0.0 -config=/tmp/tc-toxiproxy.json", async () => {
    const config = join(work, 'tc-toxiproxy.json');
    await writeFile(config, JSON.stringify([{ name: 'redis', listen: '0.0.0.0:8666', upstream: 'redis:6379', enabled: true }], null, '\t'));
    const server = await container(['-host=0.0.0.0', `-config=${config}`]);
    expect(server.logs.find((l) => l['msg'] === 'admin API listening')).toMatchObject({ host: '0.0.0.0', port: 8474, proxies: 1 });
    expect(JSON.parse((await curl(server, '/proxies/redis')).stdout)).toEqual({
      name: 'redis',
      listen: '0.0.0.0:8666',
      upstream: 'redis:6379',
      enabled: true,
      toxics: [],
    });
  });

  it('-config alone still serves the API on 0.0.0.0 (Toxiproxy #516), and -host still wins', async () => {
    const config = join(work, 'alone.json');
    await writeFile(config, '[]');
    const alone = await container([`-config=${config}`]);
    expect(alone.logs.find((l) => l['msg'] === 'admin API listening')).toMatchObject({ host: '0.0.0.0', port: 8474 });
    const local = await container(['-host=127.0.0.1', '-port=8475']);
    expect(local.logs.find((l) => l['msg'] === 'admin API listening')).toMatchObject({ host: '127.0.0.1', port: 8475 });
  });

  it('serves configs/default.yaml when FAULTLINE_CONFIG names it, on 0.0.0.0', async () => {
    const server = await container([], { FAULTLINE_CONFIG: join(app, 'configs', 'default.yaml') });
    expect(server.logs.find((l) => l['msg'] === 'admin API listening')).toMatchObject({ host: '0.0.0.0', port: 8474, proxies: 2 });
    expect(Object.keys(JSON.parse((await curl(server, '/proxies')).stdout) as object)).toEqual(['postgres', 'redis']);
  });

  it('the HEALTHCHECK finds a port and token given as flags, in either form, before the environment', async () => {
    const health = async (server: FaultlineProcess, env: Record<string, string> = {}) =>
      (await exec(server, ['node', join(app, 'docker', 'healthcheck.mjs')], env)).code;
    const flags = await container(['serve', '--token', 's3cret', '--port', '8475']);
    expect(flags.logs.find((l) => l['msg'] === 'admin API listening')).toMatchObject({ port: 8475, auth: true });
    expect(await health(flags)).toBe(0);
    expect(await health(flags, { FAULTLINE_TOKEN: 'wrong', FAULTLINE_PORT: '8474' })).toBe(0);
    const goStyle = await container(['-host=0.0.0.0', '-token=s3cret']);
    expect(await health(goStyle)).toBe(0);
    const fromEnv = await container([], { FAULTLINE_TOKEN: 'from-env' });
    expect(await health(fromEnv, { FAULTLINE_TOKEN: 'from-env' })).toBe(0);
    expect(await health(fromEnv, { FAULTLINE_TOKEN: 'wrong' })).toBe(1);
  });

  it('the CLI path (/toxiproxy-cli) talks to the server, and the HEALTHCHECK fails when nothing answers', async () => {
    const server = await container([]);
    await curl(server, '/version');
    await exec(server, [
      'curl',
      '-sS',
      '-X',
      'POST',
      'http://127.0.0.1:8474/proxies',
      '-d',
      '{"name":"db","listen":"0.0.0.0:8667","upstream":"postgres:5432"}',
    ]);
    await exec(server, [
      'curl',
      '-sS',
      '-X',
      'POST',
      'http://127.0.0.1:8474/proxies',
      '-d',
      '{"name":"web","upstream":"web:80","enabled":false}',
    ]);
    const list = await exec(server, ['sh', join(app, 'docker', 'faultline.sh'), 'list']);
    // No listen: the API's own host, 0.0.0.0 here, which the image allows.
    expect(list).toEqual({ code: 0, stdout: 'db\t0.0.0.0:8667\tpostgres:5432\tenabled\t0\nweb\t0.0.0.0:0\tweb:80\tdisabled\t0\n' });
    const health = await run('unshare', ['-n', 'node', join(app, 'docker', 'healthcheck.mjs')], { env: imageEnv() }).then(
      () => 0,
      (err: { code?: number }) => err.code,
    );
    expect(health).toBe(1);
  });
});
