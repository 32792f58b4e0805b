import { describe, expect, it } from 'vitest';
import { errorOf } from '../../testing/errors.js';
import { decodePopulate, decodeProxy, decodeProxyPatch, decodeToxic, decodeToxicPatch } from '../decode.js';
import { parseLenientJson } from './lenient-json.js';

describe('parseLenientJson', () => {
  it('reads only the first JSON value and ignores what follows, like Go', () => {
    expect(parseLenientJson('{"type":"slow_close"} trailing')).toEqual({ type: 'slow_close' });
    expect(parseLenientJson('  [1,2] [3]')).toEqual([1, 2]);
    expect(parseLenientJson('{"a":"}{"} x')).toEqual({ a: '}{' });
    expect(parseLenientJson('{"a":"\\"}"}')).toEqual({ a: '"}' });
    expect(parseLenientJson('null')).toBeNull();
    expect(parseLenientJson('12 34')).toBe(12);
    expect(parseLenientJson(Buffer.from('"s"'))).toBe('s');
  });

  it('gives Go’s messages for empty, cut-off and non-JSON bodies', () => {
    expect(errorOf(() => parseLenientJson('')).apiMessage).toBe('bad request body: EOF');
    expect(errorOf(() => parseLenientJson(undefined)).apiMessage).toBe('bad request body: EOF');
    expect(errorOf(() => parseLenientJson(' \n\t')).apiMessage).toBe('bad request body: EOF');
    expect(errorOf(() => parseLenientJson('{"name":"x",')).apiMessage).toBe('bad request body: unexpected EOF');
    expect(errorOf(() => parseLenientJson('"open')).apiMessage).toBe('bad request body: unexpected EOF');
    expect(errorOf(() => parseLenientJson('garbage')).apiMessage).toBe(
      "bad request body: invalid character 'g' looking for beginning of value",
    );
    const err = errorOf(() => parseLenientJson('{"a":}'));
    expect(err.status).toBe(400);
    expect(err.code).toBe('BAD_REQUEST_BODY');
    expect(err.apiMessage).toMatch(/^bad request body: /);
  });

  it('survives deep nesting without overflowing the stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(() => parseLenientJson(deep)).not.toThrow(RangeError);
    expect(errorOf(() => parseLenientJson('['.repeat(100_000))).apiMessage).toBe('bad request body: unexpected EOF');
  });
});

describe('decoding bodies like Go structs', () => {
  it('matches keys case-insensitively, exact matches first, and ignores unknown ones', () => {
    expect(decodeToxic(parseLenientJson('{"Name":"t6","TYPE":"latency","Stream":"Upstream","extra":1}'))).toEqual({
      name: 't6',
      type: 'latency',
      stream: 'Upstream',
    });
    expect(decodeProxy(parseLenientJson('{"NAME":"a","name":"b","upstream":"x:1"}')).name).toBe('b');
  });

  it('treats null as "keep" or "default"', () => {
    expect(decodeProxy(parseLenientJson('{"name":"a","upstream":"x:1","enabled":null}')).enabled).toBe(true);
    expect(decodeToxicPatch(parseLenientJson('{"toxicity":null,"attributes":null}'))).toEqual({});
    expect(decodeToxic(null)).toEqual({});
    expect(decodePopulate(null)).toEqual([]);
  });

  it('fills proxy defaults: enabled true, empty listen = every interface on a free port', () => {
    expect(decodeProxy({ name: 'a', upstream: 'x:1' })).toEqual({ name: 'a', listen: ':0', upstream: 'x:1', enabled: true });
    expect(decodeProxy({ name: 'a', upstream: 'x:1', listen: '' }).listen).toBe(':0');
  });

  it('reads only listen, upstream and enabled on a proxy update', () => {
    expect(decodeProxyPatch({ name: 'other', enabled: false, toxics: [] })).toEqual({ enabled: false });
  });

  it('reads only attributes and toxicity on a toxic update', () => {
    expect(decodeToxicPatch({ name: 'n', type: 't', stream: 's', toxicity: 0.5, attributes: { latency: 1 } })).toEqual({
      toxicity: 0.5,
      attributes: { latency: 1 },
    });
  });

  it('names the field and the type it got when a value has the wrong JSON type', () => {
    expect(errorOf(() => decodeProxy({ name: 'a', enabled: 'yes' })).apiMessage).toBe(
      'bad request body: enabled: expected a boolean, got the string "yes"',
    );
    expect(errorOf(() => decodeToxic({ attributes: 5 })).apiMessage).toBe(
      'bad request body: attributes: expected an object, got the number 5',
    );
    expect(errorOf(() => decodeProxy([1])).apiMessage).toBe('bad request body: expected a JSON object (a proxy), got an array');
    expect(errorOf(() => decodePopulate({})).apiMessage).toBe('bad request body: expected a JSON array of proxies, got an object');
    expect(errorOf(() => decodePopulate([{ name: 'a' }, { name: 5 }])).apiMessage).toBe(
      'bad request body: name: expected a string, got the number 5 at proxy 2',
    );
  });
});

describe('character names in messages', () => {
  it('escapes control characters the way Go quotes them', () => {
    expect(errorOf(() => parseLenientJson('\u0000')).apiMessage).toBe(
      "bad request body: invalid character '\\x00' looking for beginning of value",
    );
    expect(errorOf(() => parseLenientJson("'a'")).apiMessage).toBe(
      "bad request body: invalid character '\\'' looking for beginning of value",
    );
    expect(errorOf(() => parseLenientJson('é')).apiMessage).toBe("bad request body: invalid character 'é' looking for beginning of value");
  });
});
