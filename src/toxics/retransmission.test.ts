import { describe, expect, it } from 'vitest';
import { backoff, countLosses, RepairQueue, repairTime, type RetransmitTimers } from './retransmission.js';

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

  it('holds pieces in order and triggers lost segments once three later segments got through', () => {
    const q = new RepairQueue();
    const piece = (text: string): Buffer => Buffer.from(text);
    q.holdLost(piece('a'), 0, 1, 0); // needs 3 good segments
    q.holdGood(piece('b'));
    q.holdLost(piece('c'), 5, 2, 2); // needs 5
    expect([q.length, q.bytes]).toEqual([3, 3]);
    q.resolve(2, 7);
    expect(q.headDue(timers)).toBe(200);
    q.resolve(3, 10);
    expect(q.headDue(timers)).toBe(60);
    expect(q.shift().toString()).toBe('a');
    expect(q.headLost).toBe(false);
    expect(q.headDue(timers)).toBe(-Infinity);
    expect(q.shift().toString()).toBe('b');
    expect(q.headDue(timers)).toBe(205 + 400);
    q.resolve(5, 30);
    expect(q.headDue(timers)).toBe(80 + 200);
    expect(q.headLosses()).toBe(2);
    expect(q.shift().toString()).toBe('c');
    expect(q.length).toBe(0);
  });
});
