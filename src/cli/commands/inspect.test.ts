import { describe, expect, it } from 'vitest';
import type { ProxyJson } from '../../api/client.js';
import { formatInspect, formatToxicLine } from './inspect.js';

const proxy: ProxyJson = {
  name: 'redis',
  listen: '127.0.0.1:26379',
  upstream: '127.0.0.1:6379',
  enabled: true,
  toxics: [
    { attributes: { max_stall: 0 }, name: 'cut', type: 'partition', stream: 'UPSTREAM', toxicity: 0.5 },
    { attributes: { latency: 1000, jitter: 10, distribution: 'normal' }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 },
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
