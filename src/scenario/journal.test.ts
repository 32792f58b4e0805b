import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addProbeResult, createJournal, MAX_PROBE_RESULTS, writeJournal } from './journal.js';
import { parseScenario } from './load.js';

const plan = parseScenario(
  `version: 1
name: j
description: d
seed: s1
proxies: [{ name: db, upstream: "h:1" }]
probes: [{ name: p, tcp: { address: "h:1" }, interval: 2s }]
steps:
  - toxic: { proxy: db, type: latency, attributes: { latency: 5 } }
    for: 1s
  - wait: 3s
`,
  { file: 'j.yaml', timeScale: 0.5 },
).plan;

describe('journal', () => {
  it('starts with every step, fault and probe pending, and the seed and scale of the run', () => {
    const journal = createJournal(plan, { targets: ['http://a', 'http://b'], file: 'j.yaml' });
    expect(journal).toMatchObject({
      journal_version: 1,
      scenario: { name: 'j', description: 'd', file: 'j.yaml' },
      seed: 's1',
      time_scale: 0.5,
      targets: ['http://a', 'http://b'],
      status: 'pending',
      verdict: null,
      planned_duration_ms: 2_000,
    });
    expect(journal.steps[0]).toMatchObject({ kind: 'toxic', status: 'pending', planned_start_ms: 0, planned_end_ms: 500 });
    expect(journal.steps[0]?.faults[0]).toEqual({
      proxy: 'db',
      toxic: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      attributes: { latency: 5 },
      planned_start_ms: 0,
      planned_end_ms: 500,
      lease_ms: null,
      applied_ms: null,
      targets: 0,
      reverted_ms: null,
      reverted_by: null,
    });
    expect(journal.probes[0]).toMatchObject({ name: 'p', mode: 'continuous', check: 'tcp h:1', interval_ms: 1_000, status: 'pending' });
  });

  it('keeps a bounded number of probe results and counts the rest', () => {
    const record = createJournal(plan, { targets: [] }).probes[0];
    if (!record) throw new Error('no probe');
    for (let i = 0; i < MAX_PROBE_RESULTS + 5; i++) addProbeResult(record, { at_ms: i, ok: i % 2 === 0, ms: 1, detail: 'x' });
    expect(record.results).toHaveLength(MAX_PROBE_RESULTS);
    expect(record.results_dropped).toBe(5);
    expect(record.checks).toBe(MAX_PROBE_RESULTS + 5);
    expect(record.failures).toBe((MAX_PROBE_RESULTS + 5 - 1) / 2);
  });

  it('is written as JSON in one step, leaving no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    try {
      const path = join(dir, 'run.json');
      const journal = createJournal(plan, { targets: ['http://a'] });
      await writeJournal(path, journal);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(journal);
      expect(await readdir(dir)).toEqual(['run.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
