/**
 * Every curl example of the README and of docs/*.md runs verbatim, in order, with bash, against a
 * real `faultline serve` on the admin port the examples use (8474). Each document gets a network
 * namespace of its own (`unshare -n`), so the fixed ports the examples name touch nothing else on the
 * machine; the upstreams they name are answered there by a small HTTP service. Each command must exit
 * 0 with nothing on stderr; JSON output must parse, and must equal the output the document shows
 * right after the example when it shows one.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { curlExamples, jsonDifferences, splitCommands, upstreamPorts, type ShellExample } from './helpers/doc-examples.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCUMENTS = ['README.md', 'docs/api.md', 'docs/http.md', 'docs/scenarios.md', 'docs/udp.md', 'docs/http2.md'];
/** Runs the CLI in a new network namespace with loopback up; `exec` keeps the pid for nsenter. */
const NETNS = ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];

/** The environment the commands run in: no HTTP proxy between curl and localhost. */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '*', no_proxy: '*' };
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) delete env[name];
  return env;
}

/** Runs `command` with bash inside the network namespace of `pid`, from the repository root. */
function bashIn(pid: number, command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'nsenter',
      [`--net=/proc/${pid}/ns/net`, 'bash', '-c', command],
      { cwd: ROOT, env: commandEnv(), timeout: 60_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A small web service answering on each port, inside the namespace of `pid`. */
async function startServices(pid: number, ports: readonly number[]): Promise<ChildProcess> {
  const code = `const http=require('node:http');let n=0;for(const p of process.argv.slice(1)){http.createServer((q,s)=>s.end('hello from the web service\\n')).listen(Number(p),'127.0.0.1',()=>{if(++n===process.argv.length-1)console.log('ready')})}`;
  const child = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, '-e', code, ...ports.map(String)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`example services exited (${String(c)})`)));
  });
  return child;
}

function title(command: string): string {
  const first = command.split('\n')[0] ?? '';
  return first.length > 90 ? `${first.slice(0, 87)}...` : first;
}

/** Checks one command's output against what the document says. */
function checkOutput(where: string, stdout: string, documented: ShellExample['output'], ephemeralPorts: boolean): void {
  const text = stdout.trim();
  let json: unknown;
  if (text.startsWith('{') || text.startsWith('[')) json = JSON.parse(text);
  if (documented?.lang === 'json') {
    expect(json, `${where} shows JSON output, but the command printed: ${stdout}`).toBeDefined();
    expect(jsonDifferences(json, JSON.parse(documented.body), '$', { ephemeralPorts }), where).toEqual([]);
  } else if (documented?.lang === 'text') {
    // Documented text (metrics, headers) is a sample: the same lines, each starting with the same name.
    const names = (body: string): string[] =>
      body
        .trim()
        .split('\n')
        .map((line) => (line.split(/[{\s:]/)[0] ?? '').toLowerCase());
    expect(names(stdout), where).toEqual(names(documented.body));
  } else if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    // An example that documents no output must not be answered with an error.
    expect(json, where).not.toHaveProperty('error');
  }
}

const servers: FaultlineProcess[] = [];
const services: ChildProcess[] = [];
afterAll(async () => {
  for (const child of services) child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
});

describe('example extraction', () => {
  it('keeps multi-line quoted arguments and continuations in one command, and skips comments', () => {
    expect(splitCommands("# make one\ncurl -d '[\n  1\n]' x\n\ncurl a \\\n  b\necho '#' # note")).toEqual([
      "curl -d '[\n  1\n]' x",
      'curl a \\\n  b',
      "echo '#' # note",
    ]);
  });

  it('pairs a command with the output block right after it, and only then', () => {
    const md = ['```sh', 'curl a', '```', '', '```json', '{"a":1}', '```', '```sh', 'curl b', '```', 'text', '```json', '{}', '```'].join(
      '\n',
    );
    expect(curlExamples(md)).toEqual([
      { commands: ['curl a'], line: 1, output: { lang: 'json', body: '{"a":1}' } },
      { commands: ['curl b'], line: 8 },
    ]);
  });

  it('compares documented JSON by value; versions and, with port 0 in play, listen ports stand for any', () => {
    expect(jsonDifferences({ a: [1, { b: 'x' }], v: '9.9.9' }, { v: '0.1.0', a: [1, { b: 'x' }] })).toEqual([]);
    expect(jsonDifferences({ a: 1 }, { a: 2 })).toEqual(['$.a: expected 2, got 1']);
    expect(jsonDifferences({ a: 1, c: 1 }, { a: 1 })).toEqual(['$: expected keys a, got a, c']);
    expect(jsonDifferences({ listen: '127.0.0.1:41234' }, { listen: '127.0.0.1:40000' }, '$', { ephemeralPorts: true })).toEqual([]);
    expect(jsonDifferences({ listen: '127.0.0.1:41234' }, { listen: '127.0.0.1:40000' })).toHaveLength(1);
  });
});

for (const document of DOCUMENTS) {
  const markdown = readFileSync(`${ROOT}/${document}`, 'utf8');
  const examples = curlExamples(markdown);
  const ephemeralPorts = /"listen"\s*:\s*"[^"]*:0"/.test(markdown);

  describe(`${document}: curl examples, in order`, () => {
    let pid = 0;

    it('has examples, and a server to run them against', async () => {
      expect(examples.length).toBeGreaterThan(0);
      const server = await startFaultline(['serve'], { wrap: NETNS });
      servers.push(server);
      expect(server.url).toBe('http://127.0.0.1:8474');
      pid = server.child.pid ?? 0;
      const ports = upstreamPorts(markdown);
      if (ports.length > 0) services.push(await startServices(pid, ports));
    });

    for (const example of examples) {
      example.commands.forEach((command, index) => {
        const where = `${document}:${example.line}`;
        it(`${where} ${title(command)}`, async () => {
          expect(pid, 'the server for this document did not start').toBeGreaterThan(0);
          const out = await bashIn(pid, command);
          expect({ code: out.code, stderr: out.stderr }, `${where}: ${command}\noutput: ${out.stdout}`).toEqual({ code: 0, stderr: '' });
          const last = index === example.commands.length - 1;
          checkOutput(`${where}: ${command}`, out.stdout, last ? example.output : undefined, ephemeralPorts);
        });
      });
    }
  });
}
