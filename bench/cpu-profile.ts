/**
 * Summarizes a V8 `.cpuprofile` (as written by `npm run bench -- --cpu-prof DIR`): self time and
 * inclusive time per function, so hot spots of the proxy's data path can be compared between setups.
 *
 * Usage: `node dist/bench/cpu-profile.js FILE.cpuprofile [--top N] [--filter TEXT]`
 * @module
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The parts of a V8 CPU profile this summary reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Time spent in one function, in milliseconds and as a share of the profile. */
export interface FunctionTime {
  name: string;
  selfMs: number;
  totalMs: number;
  selfShare: number;
  totalShare: number;
}

function frameName(frame: CallFrame): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  return `${fn} ${basename(frame.url)}:${frame.lineNumber + 1}`;
}

/** Self and inclusive time per function (frames of the same name and place are merged). */
export function summarizeProfile(profile: CpuProfile): { totalMs: number; functions: FunctionTime[] } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    // A delta is the time since the previous sample; it is charged to this sample's stack.
    const us = profile.timeDeltas[i] ?? 0;
    if (id === undefined || us <= 0) continue;
    totalUs += us;
    const leaf = byId.get(id);
    if (!leaf) continue;
    const leafName = frameName(leaf.callFrame);
    self.set(leafName, (self.get(leafName) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (!node) break;
      const name = frameName(node.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + us);
    }
  }
  const functions = [...total.entries()].map(([name, totalTime]) => {
    const selfTime = self.get(name) ?? 0;
    return {
      name,
      selfMs: selfTime / 1000,
      totalMs: totalTime / 1000,
      selfShare: totalUs > 0 ? selfTime / totalUs : 0,
      totalShare: totalUs > 0 ? totalTime / totalUs : 0,
    };
  });
  return { totalMs: totalUs / 1000, functions };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1).padStart(5)} %`;
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, filter: { type: 'string' } },
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const { totalMs, functions } = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const matches = (f: FunctionTime): boolean => values.filter === undefined || f.name.includes(values.filter);
    console.log(`${file}: ${totalMs.toFixed(0)} ms sampled`);
    console.log('  self time');
    for (const f of functions
      .filter(matches)
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)) {
      console.log(`  ${percent(f.selfShare)}  ${f.name}`);
    }
    console.log('  inclusive time');
    for (const f of functions
      .filter(matches)
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top)) {
      console.log(`  ${percent(f.totalShare)}  ${f.name}`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
