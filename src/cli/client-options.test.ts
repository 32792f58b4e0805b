import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { cliUserAgent, createClient, DEFAULT_URL, resolveTarget } from './client-options.js';

describe('resolveTarget', () => {
  it('defaults to 127.0.0.1:8474 with no token', () => {
    expect(resolveTarget({}, {})).toEqual({ url: DEFAULT_URL, token: undefined });
    expect(DEFAULT_URL).toBe('http://127.0.0.1:8474');
  });

  it('prefers --url, then --host, then FAULTLINE_URL, then TOXIPROXY_URL', () => {
    const env = { FAULTLINE_URL: 'http://f:1', TOXIPROXY_URL: 'http://t:2' };
    expect(resolveTarget({ url: 'http://u:3' }, env).url).toBe('http://u:3');
    expect(resolveTarget({ host: 'http://h:4' }, env).url).toBe('http://h:4');
    expect(resolveTarget({}, env).url).toBe('http://f:1');
    expect(resolveTarget({}, { TOXIPROXY_URL: 'http://t:2' }).url).toBe('http://t:2');
  });

  it('ignores empty settings', () => {
    expect(resolveTarget({ url: ' ' }, { FAULTLINE_URL: '', TOXIPROXY_URL: 'http://t:2' }).url).toBe('http://t:2');
  });

  it('accepts --url and --host together only when they agree', () => {
    expect(resolveTarget({ url: 'http://a:1', host: 'http://a:1' }, {}).url).toBe('http://a:1');
    expect(() => resolveTarget({ url: 'http://a:1', host: 'http://b:1' }, {})).toThrow(UsageError);
  });

  it('takes the token from --token, then FAULTLINE_TOKEN', () => {
    expect(resolveTarget({ token: 'flag' }, { FAULTLINE_TOKEN: 'env' }).token).toBe('flag');
    expect(resolveTarget({}, { FAULTLINE_TOKEN: 'env' }).token).toBe('env');
  });
});

describe('createClient', () => {
  it("adds http:// to a bare host:port, as toxiproxy-cli's client does", () => {
    expect(createClient({ url: 'localhost:8474', token: undefined }).baseUrl).toBe('http://localhost:8474');
  });

  it('identifies itself like toxiproxy-cli does', () => {
    expect(cliUserAgent()).toMatch(/^faultline-cli\/\d+\.\d+\.\d+\S* \([a-z0-9]+\/[a-z0-9]+\)$/);
  });
});
