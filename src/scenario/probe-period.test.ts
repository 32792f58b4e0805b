/**
 * A probe's `interval` is a period: checks start every interval, however long each takes; a check
 * still running when the next is due makes that start skipped, never two checks at once.
 */
import { describe, expect, it } from 'vitest';
import type { FakeClock } from '../core/clock.js';
import { drive, setup } from '../testing/run-harness.js';
import type { CheckRunner } from './probes.js';

/** A check that takes `ms` on the fake clock, noting when each one starts. */
function slowCheck(clock: FakeClock, ms: number, starts: number[]): CheckRunner {
  return () => {
    starts.push(clock.now());
    return new Promise((resolve) => clock.setTimeout(() => resolve({ ok: true, ms, detail: 'HTTP 200' }), ms));
  };
}

function scenario(mode: string): string {
  return `probes:
  - name: api
    http: { url: "http://127.0.0.1:1/health" }
    mode: ${mode}
    interval: 500ms
steps:
  - wait: 2s
`;
}

describe('probe interval', () => {
  it('starts checks every interval, not an interval after each check ends', async () => {
    const starts: number[] = [];
    const { clock, run } = setup(scenario('continuous'));
    (run as unknown as { check: CheckRunner }).check = slowCheck(clock, 300, starts);
    await drive(clock, run);
    expect(starts).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('skips the starts a slow check overlapped, staying on the grid', async () => {
    const starts: number[] = [];
    const { clock, run } = setup(scenario('continuous'));
    (run as unknown as { check: CheckRunner }).check = slowCheck(clock, 520, starts);
    await drive(clock, run);
    expect(starts).toEqual([0, 1000, 2000]);
  });
});
