/**
 * The toxic contract (src/testing/toxic-contract.ts), run on every built-in byte-stream toxic.
 */
import { describe, expect, it } from 'vitest';
import { describeToxicContract, type ContractCase } from '../testing/toxic-contract.js';
import { streamToxics } from './registry.js';

/** One entry per toxic; a toxic without an entry fails the contract. */
const cases: Record<string, ContractCase> = {
  noop: { attributes: {}, updated: {}, integrity: 'intact' },
  latency: { attributes: { latency: 5, jitter: 3 }, updated: { latency: 1, jitter: 0 }, integrity: 'intact' },
  bandwidth: { attributes: { rate: 200 }, updated: { rate: 1000 }, integrity: 'intact' },
  slow_close: { attributes: { delay: 10 }, updated: { delay: 0 }, integrity: 'intact' },
  slicer: {
    attributes: { average_size: 16, size_variation: 8, delay: 500 },
    updated: { average_size: 3, size_variation: 0, delay: 0 },
    integrity: 'intact',
  },
  timeout: { attributes: { timeout: 50 }, updated: { timeout: 0 }, integrity: 'prefix' },
  reset_peer: { attributes: { timeout: 5 }, updated: { timeout: 0 }, integrity: 'prefix' },
  limit_data: { attributes: { bytes: 50_000 }, updated: { bytes: 80_000 }, integrity: 'prefix' },
  loss: {
    attributes: { rate: 0.2, burst: 3, rtt: 2, rto: 5, max_rto: 40 },
    updated: { rate: 0.05, burst: 1, segment: 500, rtt: 0, rto: 9 },
    integrity: 'intact',
  },
  partition: { attributes: { max_stall: 0 }, updated: { max_stall: 600_000 }, integrity: 'intact', holdsUntilRemoved: true },
  pause: { attributes: { every: 20, duration: 5, jitter: 2 }, updated: { every: 7, duration: 3, jitter: 0 }, integrity: 'intact' },
  slow_open: { attributes: { delay: 10 }, updated: { delay: 0 }, integrity: 'intact' },
  limit_time: { attributes: { time: 50 }, updated: { time: 80 }, integrity: 'prefix' },
  corrupt: { attributes: { rate: 0.01 }, updated: { rate: 0.2 }, integrity: 'altered' },
};

describe('toxic contract cases', () => {
  it.each(streamToxics().map((t) => t.type))('%s has one', (type) => {
    expect(cases[type], `add a contract case for ${type}`).toBeDefined();
  });
});

for (const definition of streamToxics()) {
  const c = cases[definition.type];
  if (c) describeToxicContract(definition, c);
}
