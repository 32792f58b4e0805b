import { describe, expect, it } from 'vitest';
import type { ConnectionJson, ProxyJson } from '../../api/client.js';
import { formatConnectionLine, formatInspect, formatToxicLine } from './inspect.js';

const proxy: ProxyJson = {
  name: 'redis',
  listen: '127.0.0.1:26379',
  upstream: '127.0.0.1:6379',
  enabled: true,
  toxics: [
    { attributes: { max_stall: 0 }, name: 'cut', type: 'partition', stream: 'UPSTREAM', toxicity: 0.5 },
    {
      attributes: { latency: 1000, jitter: 10, distribution: 'normal' },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    },
  ],
};

describe('formatToxicLine', () => {
  it("prints toxiproxy-cli's line: tabs, toxicity with two decimals, attributes sorted inside [ ]", () => {
    expect(formatToxicLine(proxy.toxics[1]!)).toBe(
      'latency_downstream\ttype=latency\tstream=downstream\ttoxicity=1.00\tattributes=[\tdistribution=normal\tjitter=10\tlatency=1000\t]\n',
    );
  });

  it('prints an empty attribute list as "[\\t]"', () => {
    expect(formatToxicLine({ attributes: {}, name: 'n', type: 'noop', stream: 'downstream', toxicity: 0.25 })).toBe(
      'n\ttype=noop\tstream=downstream\ttoxicity=0.25\tattributes=[\t]\n',
    );
  });
});

describe('formatInspect', () => {
  it('prints one line per toxic for scripts, in API order, and nothing else', () => {
    expect(formatInspect(proxy, { tty: false, color: false })).toBe(proxy.toxics.map(formatToxicLine).join(''));
    expect(formatInspect({ ...proxy, toxics: [] }, { tty: false, color: false })).toBe('');
  });

  it('groups toxics by direction on a terminal, matching the stream case-insensitively', () => {
    expect(formatInspect(proxy, { tty: true, color: false })).toBe(
      [
        'Name: redis  Listen: 127.0.0.1:26379  Upstream: 127.0.0.1:6379  State: enabled',
        '='.repeat(70),
        'Upstream toxics:',
        'Name  Type       Toxicity  Attributes',
        '='.repeat(38),
        'cut   partition  0.50      max_stall=0',
        '',
        'Downstream toxics:',
        'Name                Type     Toxicity  Attributes',
        '='.repeat(81),
        'latency_downstream  latency  1.00      distribution=normal jitter=10 latency=1000',
        '',
        'Hint: add a toxic with `faultline toxic add`',
        '',
      ].join('\n'),
    );
  });

  it('says when a direction or the whole proxy has no toxics', () => {
    const upOnly = formatInspect({ ...proxy, enabled: false, toxics: [proxy.toxics[0]!] }, { tty: true, color: false });
    expect(upOnly).toContain('State: disabled');
    expect(upOnly).toContain('Downstream toxics:\nProxy has no Downstream toxics enabled.\n');
    expect(formatInspect({ ...proxy, toxics: [] }, { tty: true, color: false })).toContain('Proxy has no toxics enabled.\n');
  });
});

const connection: ConnectionJson = {
  id: 7,
  client: '127.0.0.1:50412',
  upstream: '127.0.0.1:6379',
  opened_at: '2025-01-02T03:04:05.678Z',
  bytes: { upstream: { received: 14, sent: 14, dropped: 0 }, downstream: { received: 9, sent: 5, dropped: 4 } },
  toxics: { upstream: ['cut'], downstream: ['latency_downstream', 'slow'] },
};

describe('connections in inspect', () => {
  it('prints one tab-separated line per connection, after the toxic lines, only when asked', () => {
    expect(formatConnectionLine(connection)).toBe(
      'connection\tid=7\tclient=127.0.0.1:50412\tupstream=127.0.0.1:6379\topened_at=2025-01-02T03:04:05.678Z' +
        '\tbytes_upstream=14\tbytes_downstream=5\ttoxics_upstream=cut\ttoxics_downstream=latency_downstream,slow\n',
    );
    const style = { tty: false, color: false };
    expect(formatInspect(proxy, style, [connection])).toBe(proxy.toxics.map(formatToxicLine).join('') + formatConnectionLine(connection));
    expect(formatInspect(proxy, style)).toBe(proxy.toxics.map(formatToxicLine).join(''));
  });

  it('shows a connections table on a terminal, and says when there are none or the server cannot list them', () => {
    const style = { tty: true, color: false };
    const view = formatInspect(proxy, style, [connection]);
    expect(view).toContain(
      [
        'Connections:',
        'ID  Client           Upstream        Opened                    Bytes up  Bytes down  Active toxics',
        '='.repeat(115),
        '7   127.0.0.1:50412  127.0.0.1:6379  2025-01-02T03:04:05.678Z  14        5           cut↑ latency_downstream↓ slow↓',
      ].join('\n'),
    );
    expect(view.indexOf('Connections:')).toBeGreaterThan(view.indexOf('Downstream toxics:'));
    expect(formatInspect(proxy, style, [])).toContain('Connections:\nNo open connections.\n');
    expect(formatInspect(proxy, style, null)).toContain('Connections:\nThis server does not list connections.\n');
    expect(formatInspect(proxy, style)).not.toContain('Connections:');
  });
});
