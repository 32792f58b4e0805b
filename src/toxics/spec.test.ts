import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FaultlineError } from '../errors.js';
import { errorOf } from '../testing/errors.js';
import { startProxy } from '../index.js';
import { getToxicDefinition } from './registry.js';
import { applyToxicPatch, resolveToxic, wireAttributes } from './spec.js';
import { defineToxic } from '../core/toxic-contract.js';

const none = () => false;

describe('resolveToxic', () => {
  it("fills in Toxiproxy's defaults", () => {
    const { spec } = resolveToxic({ type: 'latency', attributes: { latency: 1000, jitter: 100 } }, none);
    expect(spec).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      direction: 'downstream',
      toxicity: 1,
      attributes: { latency: 1000, jitter: 100, distribution: 'uniform', correlation: 0 },
    });
  });

  it('treats null and empty name/attributes as defaults', () => {
    const { spec } = resolveToxic({ name: '', type: 'latency', stream: 'downstream', toxicity: 1, attributes: null }, none);
    expect(spec.name).toBe('latency_downstream');
    expect(spec.attributes).toEqual({ latency: 0, jitter: 0, distribution: 'uniform', correlation: 0 });
  });

  it('matches stream case-insensitively but echoes it as sent, and names after the raw stream', () => {
    const { spec } = resolveToxic({ type: 'latency', stream: 'UPSTREAM' }, none);
    expect([spec.stream, spec.direction, spec.name]).toEqual(['UPSTREAM', 'upstream', 'latency_UPSTREAM']);
  });

  it('matches attribute keys case-insensitively and ignores unknown ones', () => {
    const { spec } = resolveToxic({ type: 'latency', attributes: { Latency: 7, bogus: 1 } }, none);
    expect(spec.attributes).toEqual({ latency: 7, jitter: 0, distribution: 'uniform', correlation: 0 });
  });

  it('rejects unknown attributes when strict (config files)', () => {
    const error = errorOf(() => resolveToxic({ type: 'latency', attributes: { latncy: 7 } }, none, { strict: true }));
    expect(error.message).toBe('attributes.latncy: unknown attribute for latency (it has: latency, jitter, distribution, correlation)');
  });

  it("checks in Toxiproxy's order: stream before type, type before name conflict", () => {
    expect(errorOf(() => resolveToxic({ type: 'bogus', stream: 'sideways' }, none)).message).toBe(
      'stream was invalid, can be either upstream or downstream',
    );
    expect(errorOf(() => resolveToxic({ name: 'taken', type: 'bogus' }, () => true)).message).toBe('invalid toxic type');
    const conflict = errorOf(() => resolveToxic({ name: 'taken', type: 'latency', attributes: { latency: 'x' } }, () => true));
    expect([conflict.status, conflict.message]).toEqual([409, 'toxic already exists']);
  });

  it.each(['', 'down', 'LATENCY'])('rejects type %j', (type) => {
    expect(errorOf(() => resolveToxic({ type }, none)).message).toBe('invalid toxic type');
  });

  it('rejects an empty stream', () => {
    expect(errorOf(() => resolveToxic({ type: 'noop', stream: '' }, none)).code).toBe('INVALID_STREAM');
  });

  it('says which attribute is wrong and in what unit', () => {
    const error = errorOf(() => resolveToxic({ type: 'bandwidth', attributes: { rate: 1.5 } }, none));
    expect([error.status, error.message]).toEqual([400, 'attributes.rate: expected a whole number (KB/s), got 1.5']);
    expect(error.apiMessage).toBe('bad request body: attributes.rate: expected a whole number (KB/s), got 1.5');
    expect(errorOf(() => resolveToxic({ type: 'latency', attributes: { latency: -1 } }, none)).message).toBe(
      'attributes.latency: must be 0 or more (ms), got -1',
    );
    expect(errorOf(() => resolveToxic({ type: 'latency', attributes: { latency: 'x' } }, none)).message).toBe(
      'attributes.latency: expected a number (ms), got the string "x"',
    );
  });

  it('takes a toxicity from 0 to 1 (0 too, which Go clients send by accident), and refuses any other', () => {
    expect(resolveToxic({ type: 'noop', toxicity: 0 }, none).spec.toxicity).toBe(0);
    expect(resolveToxic({ type: 'noop', toxicity: 1 }, none).spec.toxicity).toBe(1);
    for (const bad of [1.7, -1, 1e308, -0.0001]) {
      expect(errorOf(() => resolveToxic({ type: 'noop', toxicity: bad }, none))).toMatchObject({
        status: 400,
        message: `toxicity: expected a probability from 0 to 1, got ${String(bad)}`,
        apiMessage: `bad request body: toxicity: expected a probability from 0 to 1, got ${String(bad)}`,
      });
    }
  });
});

describe('applyToxicPatch', () => {
  const { spec, definition } = resolveToxic({ type: 'latency', attributes: { latency: 100, jitter: 10 } }, none);

  it('merges attributes and keeps toxicity when it is missing', () => {
    const once = applyToxicPatch(spec, definition, { attributes: { latency: 1000 }, toxicity: 0.5 });
    expect([once.attributes.latency, once.attributes.jitter, once.toxicity]).toEqual([1000, 10, 0.5]);
    const twice = applyToxicPatch(once, definition, { attributes: { latency: 500 } });
    expect([twice.attributes.latency, twice.attributes.jitter, twice.toxicity]).toEqual([500, 10, 0.5]);
  });

  it('changes nothing on {} or null attributes', () => {
    expect(applyToxicPatch(spec, definition, {})).toEqual(spec);
    expect(applyToxicPatch(spec, definition, { attributes: null, toxicity: null })).toEqual(spec);
  });

  it('validates everything before anything applies', () => {
    expect(() => applyToxicPatch(spec, definition, { attributes: { latency: 7, jitter: 'x' } })).toThrow(FaultlineError);
    expect(spec.attributes.latency).toBe(100);
    expect(spec.attributes.jitter).toBe(10);
  });
});

describe('wireAttributes', () => {
  const withExtension = defineToxic({
    type: 'demo',
    summary: 'A toxic with an extension attribute.',
    destructive: false,
    attributes: z.object({ a: z.number().default(0), mode: z.enum(['x', 'y']).default('x') }),
    extensions: ['mode'],
    create: () => {
      throw new Error('not used');
    },
  });

  it('hides extension attributes at their default and shows them when set', () => {
    expect(wireAttributes(withExtension, { a: 1, mode: 'x' })).toEqual({ a: 1 });
    expect(wireAttributes(withExtension, { a: 1, mode: 'y' })).toEqual({ a: 1, mode: 'y' });
  });

  it('shows every attribute of a Toxiproxy toxic', () => {
    expect(wireAttributes(getToxicDefinition('noop')!, {})).toEqual({});
    const latency = getToxicDefinition('latency')!;
    expect(wireAttributes(latency, { latency: 0, jitter: 0, distribution: 'uniform', correlation: 0 })).toEqual({ latency: 0, jitter: 0 });
    expect(wireAttributes(latency, { latency: 0, jitter: 0, distribution: 'normal', correlation: 0 })).toEqual({
      latency: 0,
      jitter: 0,
      distribution: 'normal',
    });
  });
});

describe('errors of the library', () => {
  it('say what is wrong without speaking of a request body, which only the admin API has', async () => {
    const proxy = await startProxy({ upstream: '127.0.0.1:9' });
    try {
      const error = errorOf(() => proxy.addToxic({ type: 'latency', attributes: { latency: -1 } }));
      expect(error.message).toBe('attributes.latency: must be 0 or more (ms), got -1');
      expect(errorOf(() => proxy.addToxic({ type: 'noop', toxicity: 2 })).message).toBe(
        'toxicity: expected a probability from 0 to 1, got 2',
      );
    } finally {
      await proxy.stop();
    }
  });
});
