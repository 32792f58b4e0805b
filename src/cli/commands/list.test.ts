import { describe, expect, it } from 'vitest';
import type { ProxyJson } from '../../api/client.js';
import { formatProxyList } from './list.js';

const latency = { attributes: { latency: 1, jitter: 0 }, name: 'l', type: 'latency', stream: 'downstream', toxicity: 1 };
const proxies: ProxyJson[] = [
  { name: 'redis', listen: '127.0.0.1:26379', upstream: '127.0.0.1:6379', enabled: true, toxics: [latency, { ...latency, name: 'm' }] },
  { name: 'api', listen: '127.0.0.1:21080', upstream: 'api.internal:80', enabled: false, toxics: [] },
];

describe('formatProxyList', () => {
  it("prints toxiproxy-cli's tab-separated lines for scripts, sorted by name", () => {
    expect(formatProxyList(proxies, { tty: false, color: false })).toBe(
      'api\t127.0.0.1:21080\tapi.internal:80\tdisabled\t0\n' + 'redis\t127.0.0.1:26379\t127.0.0.1:6379\tenabled\t2\n',
    );
  });

  it('prints nothing for scripts when there are no proxies', () => {
    expect(formatProxyList([], { tty: false, color: false })).toBe('');
  });

  it('prints a table with a hint on a terminal, "None" for no toxics', () => {
    expect(formatProxyList(proxies, { tty: true, color: false })).toBe(
      [
        'Name   Listen           Upstream         Enabled   Toxics',
        '=========================================================',
        'api    127.0.0.1:21080  api.internal:80  disabled  None',
        'redis  127.0.0.1:26379  127.0.0.1:6379   enabled   2',
        '',
        'Hint: inspect toxics with `faultline inspect <proxyName>`',
        '',
      ].join('\n'),
    );
  });

  it('says so on a terminal when there are no proxies', () => {
    expect(formatProxyList([], { tty: true, color: false })).toBe(
      'Name  Listen  Upstream  Enabled  Toxics\n' +
        '=======================================\n' +
        'no proxies\n\nHint: create a proxy with `faultline create`\n',
    );
  });

  it('colours enabled proxies green and disabled ones red', () => {
    const out = formatProxyList(proxies, { tty: true, color: true });
    expect(out).toContain('\x1b[31mapi  \x1b[0m');
    expect(out).toContain('\x1b[32mredis\x1b[0m');
  });
});
