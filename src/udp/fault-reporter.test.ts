import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import { FAULT_REPORT_INTERVAL_MS, FaultReporter, type FaultReport } from './fault-reporter.js';

const loss: ToxicSpec = { name: 'drop', type: 'loss', stream: 'upstream', direction: 'upstream', toxicity: 1, attributes: { rate: 0.5 } };

describe('FaultReporter', () => {
  it('reports the first fault at once, then at most one event per interval with the count since the last', () => {
    const clock = new FakeClock();
    const reports: FaultReport[] = [];
    const reporter = new FaultReporter(clock, (r) => reports.push(r));
    for (let i = 0; i < 100; i++) {
      reporter.count(1, 'upstream', loss, 'loss');
      clock.advance(15);
    }
    // 1500 ms of faults: one at once, one after the first interval, and the rest pending.
    expect(reports.map((r) => r.count)).toEqual([1, Math.ceil(FAULT_REPORT_INTERVAL_MS / 15)]);
    reporter.flushFlow(1);
    expect(reports.reduce((sum, r) => sum + r.count, 0)).toBe(100);
    expect(reports[0]).toEqual({ flow: 1, direction: 'upstream', toxic: 'drop', toxicType: 'loss', kind: 'loss', count: 1 });
  });

  it('keeps flows, directions and kinds apart, and reports what a removed toxic left pending', () => {
    const clock = new FakeClock();
    const reports: FaultReport[] = [];
    const reporter = new FaultReporter(clock, (r) => reports.push(r));
    reporter.count(1, 'upstream', loss, 'loss');
    reporter.count(2, 'upstream', loss, 'loss');
    reporter.count(1, 'downstream', null, 'held_limit');
    reporter.count(1, 'upstream', loss, 'loss');
    expect(reports).toHaveLength(3);
    reporter.forget('drop');
    expect(reports.at(-1)).toMatchObject({ flow: 1, toxic: 'drop', count: 1 });
    reporter.flushFlow(1);
    expect(reports).toHaveLength(4);
  });

  it('does nothing without a listener', () => {
    const reporter = new FaultReporter(new FakeClock(), undefined);
    expect(() => reporter.count(1, 'upstream', loss, 'loss')).not.toThrow();
  });
});
