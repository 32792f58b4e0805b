/**
 * Every curl example in docs/ runs verbatim, in order, against a fresh
 * `faultline serve` per file. Each server runs in a network namespace of its own, so the fixed ports
 * the examples use (8474 for the API, the proxies' ports) are free and touch nothing else on the
 * machine; the upstreams the examples name are answered there by a small HTTP server. When a
 * ```json block follows an example, the output must equal it (listen port 0 and Faultline's version
 * aside).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';

const FILES = ['docs/api.md', 'docs/configuration.md', 'docs/http.md'];
/** Runs the CLI in a new network namespace with loopback up; `exec` keeps the pid for nsenter. */
const NETNS = ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];

interface Example {
  command: string;
  expected?: string;
  line: number;
}

/** The curl commands of a Markdown text, each with the ```json block right after its ```sh block. */
function curlExamples(markdown: string): Example[] {
  const fence = /^```(\w*)\n([\s\S]*?)^```\s*$/gm;
  const blocks: Array<{ lang: string; body: string; start: number; end: number }> = [];
  for (const match of markdown.matchAll(fence)) {
    const start = match.index ?? 0;
    blocks.push({ lang: match[1] ?? '', body: match[2] ?? '', start, end: start + match[0].length });
  }
  const examples: Example[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== 'sh' && block.lang !== 'bash') return;
    const commands = block.body
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((l) => /^curl\s/.test(l));
    const next = blocks[i + 1];
    const between = next ? markdown.slice(block.end, next.start) : '';
    const expected = next?.lang === 'json' && between.trim() === '' ? next.body.trim() : undefined;
    const line = markdown.slice(0, block.start).split('\n').length;
    commands.forEach((command, k) => {
      // The expected output belongs to the block's last command.
      examples.push({ command, line, ...(expected !== undefined && k === commands.length - 1 ? { expected } : {}) });
    });
  });
  return examples;
}

/** The upstream ports the examples' proxies point at. */
function upstreamPorts(examples: readonly Example[]): number[] {
  const ports = new Set<number>();
  for (const { command } of examples) {
    for (const m of command.matchAll(/"upstream"\s*:\s*"(?:127\.0\.0\.1|localhost):(\d+)"/g)) ports.add(Number(m[1]));
  }
  return [...ports];
}

/** Ports picked by the OS (listen port 0) and Faultline's own version differ from run to run. */
function normalize(value: unknown, ephemeral: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v, ephemeral));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (k === 'listen' && typeof v === 'string' && ephemeral) return [k, v.replace(/:(\d+)$/, (_m, p: string) => (p === '0' ? ':0' : ':<port>'))];
        if (k === 'faultline') return [k, '<version>'];
        return [k, normalize(v, ephemeral)];
      }),
    );
  }
  return value;
}

function inNamespace(pid: number, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('nsenter', [`--net=/proc/${pid}/ns/net`, 'sh', '-c', command], { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** An HTTP server answering `ok` on each port, inside the namespace of `pid`. */
async function startUpstreams(pid: number, ports: readonly number[]): Promise<ChildProcess> {
  const code = `const http=require('node:http');let n=0;for(const p of process.argv.slice(1)){http.createServer((q,s)=>s.end('ok\\n')).listen(Number(p),'127.0.0.1',()=>{if(++n===process.argv.length-1)console.log('ready')})}`;
  const child = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, '-e', code, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`upstream servers exited (${String(c)})`)));
  });
  return child;
}

const servers: FaultlineProcess[] = [];
const upstreams: ChildProcess[] = [];
afterAll(async () => {
  for (const child of upstreams) child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
});

describe('documentation examples', () => {
  for (const file of FILES) {
    it(`${file}: every curl example runs verbatim and prints what the doc shows`, async () => {
      let markdown: string;
      try {
        markdown = await readFile(new URL(`../${file}`, import.meta.url), 'utf8');
      } catch {
        return; // a doc that does not exist has no examples
      }
      const examples = curlExamples(markdown);
      if (examples.length === 0) return;
      const server = await startFaultline(['serve'], { wrap: NETNS });
      servers.push(server);
      expect(server.url).toBe('http://127.0.0.1:8474');
      const pid = server.child.pid ?? 0;
      const ports = upstreamPorts(examples);
      if (ports.length > 0) upstreams.push(await startUpstreams(pid, ports));
      for (const example of examples) {
        const where = `${file}:${example.line}: ${example.command}`;
        const out = await inNamespace(pid, example.command);
        expect(out.code, `${where}\n${out.stderr}`).toBe(0);
        if (example.expected !== undefined) {
          const ephemeral = /:0"/.test(markdown);
          expect(normalize(JSON.parse(out.stdout), ephemeral), where).toEqual(normalize(JSON.parse(example.expected), ephemeral));
        }
      }
    });
  }
});

describe('example extraction', () => {
  it('joins continued lines and pairs a command with the json block right after it', () => {
    const md = ['```sh', 'curl -s a \\', '  -d x', 'echo hi', '```', '', '```json', '{"a":1}', '```', '```sh', 'curl b', '```', 'text', '```json', '{}', '```'].join('\n');
    expect(curlExamples(md)).toEqual([
      { command: 'curl -s a -d x', line: 1, expected: '{"a":1}' },
      { command: 'curl b', line: 10 },
    ]);
  });
});
