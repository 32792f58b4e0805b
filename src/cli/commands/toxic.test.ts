import { describe, expect, it } from 'vitest';
import { UsageError } from '../args.js';
import { findToxicCommand, parseAttribute, parseAttributes, parseToxicity, toxicCreateBody, toxicUpdateBody } from './toxic.js';

describe('parseAttribute', () => {
  it('sends numbers as JSON numbers', () => {
    expect(parseAttribute('latency=100')).toEqual(['latency', 100]);
    expect(parseAttribute('rate=0.25')).toEqual(['rate', 0.25]);
    expect(parseAttribute('x=-5')).toEqual(['x', -5]);
    expect(parseAttribute('x=1e3')).toEqual(['x', 1000]);
    expect(parseAttribute('x=.5')).toEqual(['x', 0.5]);
  });

  it('sends anything else as a string, including what only looks numeric to JavaScript', () => {
    expect(parseAttribute('distribution=normal')).toEqual(['distribution', 'normal']);
    expect(parseAttribute('x=0x10')).toEqual(['x', '0x10']);
    expect(parseAttribute('x=Infinity')).toEqual(['x', 'Infinity']);
    expect(parseAttribute('x=')).toEqual(['x', '']);
    expect(parseAttribute('x=a=b')).toEqual(['x', 'a=b']);
    expect(parseAttribute('x=True')).toEqual(['x', 'True']);
  });

  it('sends true/false as booleans and JSON objects or arrays as themselves', () => {
    expect(parseAttribute('reset=true')).toEqual(['reset', true]);
    expect(parseAttribute('mark=false')).toEqual(['mark', false]);
    expect(parseAttribute('match={"path":"/orders/*","methods":["POST"]}')).toEqual(['match', { path: '/orders/*', methods: ['POST'] }]);
    expect(parseAttribute('remove=["x-debug"]')).toEqual(['remove', ['x-debug']]);
  });

  it('rejects a value that starts like JSON but is not', () => {
    expect(() => parseAttribute('match={"path":')).toThrow(/attribute match: the value starts like JSON but is not valid JSON/);
  });

  it('rejects a pair without = or without a key', () => {
    expect(() => parseAttribute('latency')).toThrow(UsageError);
    expect(() => parseAttribute('=5')).toThrow(UsageError);
  });

  it('keeps the last value of a repeated key', () => {
    expect(parseAttributes(['a=1', 'b=2', 'a=3'])).toEqual({ a: 3, b: 2 });
    expect(parseAttributes(undefined)).toEqual({});
  });
});

describe('parseToxicity', () => {
  it('accepts 0 to 1', () => {
    expect(parseToxicity('0')).toBe(0);
    expect(parseToxicity('0.5')).toBe(0.5);
    expect(parseToxicity('1')).toBe(1);
    expect(parseToxicity(undefined)).toBeUndefined();
  });

  it.each(['1.5', '-0.1', 'abc', '', 'NaN'])('rejects %j', (text) => {
    expect(() => parseToxicity(text)).toThrow(UsageError);
  });
});

describe('toxicCreateBody', () => {
  it('sends only what was given, downstream by default', () => {
    expect(toxicCreateBody({ type: 'latency' })).toEqual({ type: 'latency', stream: 'downstream' });
  });

  it('sends name, upstream, toxicity and attributes', () => {
    expect(toxicCreateBody({ type: 'latency', toxicName: 'lag', upstream: true, toxicity: '0.5', attribute: ['latency=100'] })).toEqual({
      name: 'lag',
      type: 'latency',
      stream: 'upstream',
      toxicity: 0.5,
      attributes: { latency: 100 },
    });
  });

  it('requires a type, and one direction at most', () => {
    expect(() => toxicCreateBody({})).toThrow(new UsageError('--type TYPE is required'));
    expect(() => toxicCreateBody({ type: 'latency', upstream: true, downstream: true })).toThrow(UsageError);
  });
});

describe('toxicUpdateBody', () => {
  it('leaves toxicity out when it is not given (toxiproxy-cli resets it to 1)', () => {
    expect(toxicUpdateBody({ attribute: ['jitter=50'] })).toEqual({ attributes: { jitter: 50 } });
  });

  it('sends toxicity alone when only that changes', () => {
    expect(toxicUpdateBody({ toxicity: '0.3' })).toEqual({ toxicity: 0.3 });
  });

  it('refuses an update that changes nothing', () => {
    expect(() => toxicUpdateBody({})).toThrow(UsageError);
  });
});

describe('findToxicCommand', () => {
  it("knows toxiproxy-cli's subcommand names and aliases", () => {
    expect(findToxicCommand('add')?.name).toBe('toxic add');
    expect(findToxicCommand('a')?.name).toBe('toxic add');
    expect(findToxicCommand('u')?.name).toBe('toxic update');
    for (const word of ['remove', 'r', 'delete', 'd']) expect(findToxicCommand(word)?.name).toBe('toxic remove');
    expect(findToxicCommand('x')).toBeUndefined();
  });
});
