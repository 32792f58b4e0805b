/**
 * Every `curl` example in README.md, run verbatim with bash, in order, against a real
 * `faultline serve` on the admin port the examples use (8474), with the web service they describe
 * running on 127.0.0.1:20080. Each command must exit 0 and print nothing on stderr; JSON output must
 * parse, and must equal the output the README shows after the example when it shows one.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { curlExamples, jsonDifferences, splitCommands } from './helpers/readme.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = curlExamples(README);

/** Ports the examples use: the admin API, the web service behind the proxy, and the proxies' listen ports. */
const ADMIN_PORT = 8474;
const SERVICE_PORT = 20080;
const PORTS = [ADMIN_PORT, SERVICE_PORT, 21080, 21379];

/** Fails with a message that says which port is taken, and why the test needs it. */
async function ensureFree(port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT') resolve(); // no IPv6 here: nothing can listen there
      else reject(new Error(`README examples use ${host} port ${port}, but it is not free (${err.code ?? err.message}); stop what listens there and run again`));
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

let faultline: FaultlineProcess | undefined;
let service: Server | undefined;

beforeAll(async () => {
  // curl resolves `localhost` to ::1 as well, so nothing may listen on either.
  for (const port of PORTS) {
    await ensureFree(port, '127.0.0.1');
    await ensureFree(port, '::1');
  }
  service = createHttpServer((_req, res) => res.end('hello from the web service\n'));
  await new Promise<void>((resolve) => service?.listen(SERVICE_PORT, '127.0.0.1', resolve));
  faultline = await startFaultline(['serve', '--port', String(ADMIN_PORT)]);
});

afterAll(async () => {
  await faultline?.stop();
  await new Promise<void>((resolve) => (service ? service.close(() => resolve()) : resolve()));
});

/** The environment the commands run in: no HTTP proxy between curl and localhost. */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '*', no_proxy: '*' };
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) delete env[name];
  return env;
}

/** Runs `command` with `bash -c`, killing its process group after 15 s. */
function bash(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', command], { env: commandEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, 15_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function title(command: string): string {
  const first = command.split('\n')[0] ?? '';
  return first.length > 90 ? `${first.slice(0, 87)}...` : first;
}

describe('README extraction', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples.every((e) => e.commands.length > 0)).toBe(true);
  });

  it('keeps multi-line quoted arguments and continuations in one command, and skips comments', () => {
    expect(splitCommands("# make one\ncurl -d '[\n  1\n]' x\n\ncurl a \\\n  b\necho '#' # note")).toEqual([
      "curl -d '[\n  1\n]' x",
      'curl a \\\n  b',
      "echo '#' # note",
    ]);
  });

  it('compares documented JSON by value, any version standing for a version', () => {
    expect(jsonDifferences({ a: [1, { b: 'x' }], v: '9.9.9' }, { v: '0.1.0', a: [1, { b: 'x' }] })).toEqual([]);
    expect(jsonDifferences({ a: 1 }, { a: 2 })).toEqual(['$.a: expected 2, got 1']);
    expect(jsonDifferences({ a: 1, c: 1 }, { a: 1 })).toEqual(['$: expected keys a, got a, c']);
  });
});

describe('README curl examples, in order', () => {
  for (const example of examples) {
    example.commands.forEach((command, index) => {
      const last = index === example.commands.length - 1;
      it(`README.md:${example.line} ${title(command)}`, async () => {
        const out = await bash(command);
        expect({ code: out.code, stderr: out.stderr }, `output: ${out.stdout}`).toEqual({ code: 0, stderr: '' });
        const text = out.stdout.trim();
        let json: unknown;
        if (text.startsWith('{') || text.startsWith('[')) json = JSON.parse(text);

        const documented = last ? example.output : undefined;
        if (documented?.lang === 'json') {
          expect(json, `README.md:${example.line} shows JSON output, but the command printed: ${out.stdout}`).toBeDefined();
          expect(jsonDifferences(json, JSON.parse(documented.body))).toEqual([]);
        } else if (documented?.lang === 'text') {
          // Documented text (metrics) is a sample: the same lines, each starting with the same name.
          const names = (body: string): string[] => body.trim().split('\n').map((line) => line.split(/[{\s]/)[0] ?? '');
          expect(names(out.stdout)).toEqual(names(documented.body));
        } else if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
          // An example that documents no output must not be answered with an error.
          expect(json).not.toHaveProperty('error');
        }
      });
    });
  }
});
