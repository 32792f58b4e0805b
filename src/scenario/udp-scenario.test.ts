/**
 * Scenarios with udp proxies: declared with `protocol: udp` (and `udp_idle_timeout`), they take
 * datagram toxics in toxic, ramp and monkey steps, checked with the attribute schemas of the API's
 * datagram toxics — `latency`, `loss`, … by the proxy's protocol — and every mistake located.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../protocols.js';
import { parseScenario, ScenarioError } from './load.js';
import { planText } from './plan-text.js';
import { SCENARIO_PROTOCOLS } from './schema.js';

const HEAD = `version: 1
name: dns
seed: 3
proxies:
  - name: dns
    listen: 127.0.0.1:25353
    upstream: 127.0.0.1:5300
    protocol: udp
    udp_idle_timeout: 30000
  - name: db
    upstream: 127.0.0.1:5432
steps:
`;

function errorsOf(text: string): string[] {
  try {
    parseScenario(text, { file: 'dns.yaml' });
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return [...(err as ScenarioError).issues];
  }
  throw new Error('expected the scenario to be rejected');
}

describe('a scenario with a udp proxy', () => {
  it('declares any built-in protocol', () => {
    expect([...SCENARIO_PROTOCOLS].sort()).toEqual([...PROTOCOLS].sort());
  });

  it('takes datagram toxics in toxic, ramp and monkey steps, and byte-stream ones on its tcp proxies', () => {
    const { plan } = parseScenario(
      `${HEAD}  - toxic: { proxy: dns, type: loss, stream: upstream, attributes: { rate: 0.2, burst: 3 } }
    for: 2s
  - ramp: { proxy: dns, type: latency, attribute: latency, from: 0, to: 200, over: 2s, steps: 2, attributes: { jitter: 20, reorder: true } }
  - monkey:
      proxies: [dns]
      interval: { min: 1s, max: 2s }
      faults:
        - { type: duplicate, attributes: { rate: 0.5 }, for: 1s }
        - { type: reorder, attributes: { gap: 2 }, for: 1s }
    for: 3s
  - toxic: { proxy: db, type: latency, attributes: { latency: 10, jitter: 1 } }
`,
      { file: 'dns.yaml' },
    );
    expect(plan.proxies[0]).toEqual({
      name: 'dns',
      listen: '127.0.0.1:25353',
      upstream: '127.0.0.1:5300',
      protocol: 'udp',
      udp_idle_timeout: 30_000,
      keep: false,
    });
    // Attributes as written: the server fills in its own defaults.
    expect(plan.steps[0]?.faults[0]?.toxic).toEqual({
      name: 'loss_upstream',
      type: 'loss',
      stream: 'upstream',
      toxicity: 1,
      attributes: { rate: 0.2, burst: 3 },
    });
    expect(plan.steps[1]?.faults[0]?.toxic.attributes).toEqual({ jitter: 20, reorder: true, latency: 0 });
    expect(new Set(plan.steps[2]?.faults.map((f) => f.toxic.type))).toEqual(new Set(['duplicate', 'reorder']));
    const text = planText(plan);
    expect(text).toContain('  dns: 127.0.0.1:25353 → 127.0.0.1:5300 (udp, flows idle out after 30s)\n  db: 127.0.0.1:0 → 127.0.0.1:5432\n');
    expect(text).toContain('+0s        add loss loss_upstream on dns for 2s\n');
    expect(text).toContain('update latency_downstream on dns: jitter=20 reorder=true latency=100\n');
  });

  it('checks each toxic against its proxy’s protocol, with file:line:col, every mistake at once', () => {
    expect(
      errorsOf(`${HEAD}  - toxic: { proxy: dns, type: loss, attributes: { rate: 2, colour: red } }
  - toxic: { proxy: db, type: duplicate }
  - toxic: { proxy: dns, type: slicer }
  - toxic: { proxy: dns, type: latency, name: l2, attributes: { reorder: "yes" } }
  - toxic: { proxy: db, type: latency, name: l3, attributes: { reorder: true } }
  - ramp: { proxy: dns, type: latency, attribute: reorder, from: 0, to: 1, over: 1s }
  - toxic: { proxy: dns, type: reorder, attributes: { gap: 0 } }
  - toxic: { proxy: dns, type: corrupt, attributes: 5 }
  - monkey:
      proxies: [dns, db]
      interval: { min: 1s, max: 2s }
      faults: [{ type: bandwidth, attributes: { queue: 10 }, for: 1s }]
    for: 2s
`),
    ).toEqual([
      'dns.yaml:19:60: steps[6].toxic.attributes.gap: must be 1 or more (datagrams), got 0',
      'dns.yaml:20:53: steps[7].toxic.attributes: expected a mapping, got 5',
      'dns.yaml:13:58: steps[0].toxic.attributes.rate: must be a probability from 0 to 1',
      'dns.yaml:13:61: steps[0].toxic.attributes.colour: unknown key "colour"',
      'dns.yaml:14:31: steps[1].toxic.type: toxic type "duplicate" works on UDP proxies only: set protocol: udp on proxy "db"',
      'dns.yaml:15:32: steps[2].toxic.type: toxic type "slicer" works on TCP, HTTP or HTTP/2 proxies only; proxy "dns" has protocol udp',
      'dns.yaml:16:74: steps[3].toxic.attributes.reorder: expected true or false',
      'dns.yaml:17:64: steps[4].toxic.attributes.reorder: unknown key "reorder"',
      'dns.yaml:18:51: steps[5].ramp.attribute: latency.reorder is not a number, so it cannot ramp',
      // The monkey's bandwidth may land on either proxy: `queue` is a datagram attribute only.
      'dns.yaml:24:49: steps[8].monkey.faults[0].attributes.queue: unknown key "queue"',
    ]);
  });

  it('the same checks hold in a file that is otherwise valid', () => {
    expect(errorsOf(`${HEAD}  - toxic: { proxy: dns, type: latency, attributes: { latency: -1 } }\n`)).toEqual([
      'dns.yaml:13:64: steps[0].toxic.attributes.latency: must be 0 or more (ms), got -1',
    ]);
  });

  it('refuses tls on a udp proxy and udp_idle_timeout on another', () => {
    expect(
      errorsOf(`version: 1
name: bad
proxies:
  - { name: dns, upstream: "h:53", protocol: udp, tls: { listen: { cert: a.pem, key: a.key } } }
  - { name: db, upstream: "h:5432", udp_idle_timeout: 1000 }
  - { name: big, upstream: "h:1", protocol: udp, udp_idle_timeout: 86400001 }
steps:
  - toxic: { proxy: dns, type: slicer }
`),
    ).toEqual([
      'dns.yaml:4:56: proxies[0].tls: tls works on tcp, http and http2 proxies only, not on udp ones',
      'dns.yaml:5:55: proxies[1].udp_idle_timeout: udp_idle_timeout is for udp proxies: set protocol: udp',
      'dns.yaml:6:68: proxies[2].udp_idle_timeout: must be at most 86400000',
      // A proxy with mistakes of its own still says which toxics fit it.
      'dns.yaml:8:32: steps[0].toxic.type: toxic type "slicer" works on TCP, HTTP or HTTP/2 proxies only; proxy "dns" has protocol udp',
    ]);
  });

  it('the example of docs/udp.md is valid', () => {
    const doc = readFileSync('docs/udp.md', 'utf8');
    const block = /```yaml\n(version: 1[\s\S]*?)```/.exec(doc)?.[1];
    if (block === undefined) throw new Error('no scenario example in docs/udp.md');
    const { plan } = parseScenario(block, { file: 'udp.md' });
    expect(plan.proxies[0]).toMatchObject({ name: 'dns', protocol: 'udp', udp_idle_timeout: 30_000 });
    expect(plan.steps.map((s) => s.faults[0]?.toxic.type)).toEqual(['loss', 'latency', undefined]);
  });
});
