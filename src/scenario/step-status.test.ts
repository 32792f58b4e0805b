/**
 * A step's status says what happened to its own work: done once its work is done, whatever a later
 * step does; aborted only when the run stopped it midway.
 */
import { describe, expect, it } from 'vitest';
import { AdminClientError } from '../api/client.js';
import { changes, drive, setup } from '../testing/run-harness.js';
import { summary } from '../cli/run.js';

describe('step status', () => {
  it('a step whose fault was reverted on time is done, even when a step starting at that moment fails', async () => {
    const { clock, admin, run } = setup(`steps:
  - action: { type: reset, proxy: db }
  - toxic: { proxy: db, type: latency, attributes: { latency: 50 } }
    for: 1s
  - toxic: { proxy: db, type: noop, name: b }
`);
    const journal = await drive(clock, run, 10, (now) => {
      if (now === 500) admin.failures.set('addToxic', new AdminClientError('HTTP 409: toxic already exists', 409, 'TOXIC_EXISTS'));
    });
    admin.failures.clear();
    expect(journal.verdict).toBe('aborted');
    expect(journal.steps.map((s) => [s.status, s.ended_ms])).toEqual([
      ['done', 0],
      ['done', 1000],
      ['failed', null],
    ]);
    expect(summary(journal)).toContain('2/3 steps');
  });

  it('a step cut short by a failure is aborted', async () => {
    const { clock, admin, run } = setup(`steps:
  - toxic: { proxy: db, type: latency, attributes: { latency: 50 } }
    for: 2s
  - at: 1s
    toxic: { proxy: db, type: noop, name: b }
`);
    const journal = await drive(clock, run, 10, (now) => {
      if (now === 500) admin.failures.set('addToxic', new AdminClientError('HTTP 409: toxic already exists', 409, 'TOXIC_EXISTS'));
    });
    admin.failures.clear();
    expect(journal.steps.map((s) => s.status)).toEqual(['aborted', 'failed']);
  });
});

describe('ramps', () => {
  it('a ramp whose for equals its over applies its last value, then removes the toxic', async () => {
    const { clock, admin, run } = setup(`steps:
  - ramp: { proxy: db, type: latency, attribute: latency, from: 0, to: 300, over: 600ms, steps: 6 }
    for: 600ms
`);
    const journal = await drive(clock, run);
    expect(changes(admin).slice(-4)).toEqual([
      '500 updateToxic db/latency_downstream {"latency":250}',
      '600 updateToxic db/latency_downstream {"latency":300}',
      '600 removeToxic db/latency_downstream',
      '600 deleteProxy db',
    ]);
    expect(journal.steps[0]?.faults[0]?.updates?.at(-1)).toMatchObject({ at_ms: 600, attributes: { latency: 300 } });
    expect(journal.steps[0]?.faults[0]?.reverted_by).toBe('runner');
  });
});
