import { describe, expect, it } from 'vitest';
import { backoff, countLosses, LostSegments, repairTime, type RetransmitTimers } from './retransmission.js';

const timers: RetransmitTimers = { rtt: 50, rto: 200, maxRto: 120_000 };

describe('retransmission model', () => {
  it('a fast retransmit arrives one rtt after the third later segment', () => {
    expect(repairTime(1000, 1, 1010, timers)).toBe(1060);
  });

  it('without enough later data the timeout repairs it, rto after it was sent', () => {
    expect(repairTime(1000, 1, Infinity, timers)).toBe(1200);
    // Dupacks that would come after the timer change nothing.
    expect(repairTime(1000, 1, 1180, timers)).toBe(1200);
  });

  it('each retransmission lost again doubles the timeout, up to max_rto', () => {
    expect(repairTime(0, 3, Infinity, timers)).toBe(200 + 400 + 800);
    expect(repairTime(0, 3, 0, timers)).toBe(50 + 200 + 400);
    expect(repairTime(0, 4, Infinity, { ...timers, maxRto: 500 })).toBe(200 + 400 + 500 + 500);
    expect(backoff(timers, 20)).toBe(120_000);
  });

  it('counts consecutive losses up to the cap', () => {
    expect(countLosses(0, 16, { random: () => 0 })).toBe(1);
    expect(countLosses(1, 5, { random: () => 0.5 })).toBe(5);
    const draws = [0.1, 0.3, 0.9];
    expect(countLosses(0.5, 16, { random: () => draws.shift() ?? 1 })).toBe(3);
  });

  it('triggers lost segments in order once three later segments got through', () => {
    const lost = new LostSegments();
    lost.push(0, 1, 0); // needs 3 good segments
    lost.push(5, 1, 2); // needs 5
    lost.resolve(2, 7);
    expect(lost.headRepair(timers)).toBe(200);
    lost.resolve(3, 10);
    expect(lost.headRepair(timers)).toBe(60);
    lost.shift();
    expect(lost.headRepair(timers)).toBe(205);
    lost.resolve(5, 30);
    expect(lost.headRepair(timers)).toBe(80);
    expect(lost.headLosses()).toBe(1);
    lost.shift();
    expect(lost.length).toBe(0);
  });
});
