/**
 * What `validate` and `--dry-run` catch before a run starts: everything a run can know from the
 * file and its environment, reported all at once.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError, type LoadScenarioOptions } from './load.js';

function problems(text: string, options: Partial<LoadScenarioOptions> = {}): string[] {
  try {
    parseScenario(text, { file: 's.yaml', ...options });
  } catch (err) {
    if (err instanceof ScenarioError) return [...err.issues];
    throw err;
  }
  return [];
}

describe('HTTP toxics', () => {
  const file = (protocol: string) => `version: 1
name: h
proxies:
  - name: web
    upstream: 127.0.0.1:8080${protocol}
  - name: db
    upstream: 127.0.0.1:5432
steps:
  - toxic: { proxy: web, type: http_abort, attributes: { status: 503 } }
  - monkey:
      proxies: [web, db]
      interval: { min: 1s, max: 2s }
      faults: [{ type: http_delay, for: 1s }]
    for: 5s
`;

  it('are refused on a proxy not declared with protocol: http, as the server would refuse them', () => {
    expect(problems(file(''))).toEqual([
      's.yaml:9:32: steps[0].toxic.type: toxic type "http_abort" works on HTTP proxies only: set protocol: http on proxy "web"',
      's.yaml:13:24: steps[1].monkey.faults[0].type: toxic type "http_delay" works on HTTP proxies only: set protocol: http on proxy "web"',
      's.yaml:13:24: steps[1].monkey.faults[0].type: toxic type "http_delay" works on HTTP proxies only: set protocol: http on proxy "db"',
    ]);
  });

  it('are accepted on an HTTP proxy', () => {
    expect(problems(file('\n    protocol: http').replace('[web, db]', '[web]'))).toEqual([]);
  });

  it('are accepted on an HTTP/2 proxy, whose own toxics are refused anywhere else', () => {
    expect(problems(file('\n    protocol: http2').replace('[web, db]', '[web]'))).toEqual([]);
    const rst = `version: 1
name: h2
proxies:
  - name: grpc
    upstream: 127.0.0.1:50051
    protocol: http
steps:
  - toxic: { proxy: grpc, type: http2_rst_stream }
`;
    expect(problems(rst)).toEqual([
      's.yaml:8:33: steps[0].toxic.type: toxic type "http2_rst_stream" works on HTTP/2 proxies only: set protocol: http2 on proxy "grpc"',
    ]);
    expect(problems(rst.replace('protocol: http', 'protocol: http2'))).toEqual([]);
  });
});

describe('TLS toxics', () => {
  const file = (tls: string) => `version: 1
name: t
proxies:
  - name: api
    upstream: 127.0.0.1:8443${tls}
steps:
  - toxic: { proxy: api, type: tls_certificate, attributes: { fault: expired } }
`;

  it('are refused on a proxy that does not terminate TLS, and accepted on one that does', () => {
    expect(problems(file(''))).toEqual([
      's.yaml:7:32: steps[0].toxic.type: toxic type "tls_certificate" works on proxies that terminate TLS only: set tls.listen on proxy "api"',
    ]);
    expect(problems(file('\n    tls: { listen: { cert: auto } }'))).toEqual([]);
  });
});

describe('every mistake at once', () => {
  it('an unset variable does not hide the other mistakes, and its value is reported once', () => {
    expect(
      problems(`version: 1
name: v
proxies:
  - name: db
    upstream: \${DB_UPSTREAM}
steps:
  - at: soon
    wait: 1s
  - toxic: { proxy: cache, type: latency }
`),
    ).toEqual([
      's.yaml:5:15: proxies[0].upstream: environment variable DB_UPSTREAM is not set (give a default with ${DB_UPSTREAM:-value})',
      's.yaml:7:9: steps[0].at: bad duration "soon": write a number with a unit, like 250ms, 5s, 1m30s or 2h',
      's.yaml:9:21: steps[1].toxic.proxy: unknown proxy "cache": declare it under proxies (declared: db)',
    ]);
  });

  it('type errors do not hide the whole-file checks of the valid parts', () => {
    expect(
      problems(`version: 1
name: t
proxies:
  - { name: db, upstream: "127.0.0.1:5432" }
  - { name: db, upstream: "127.0.0.1:5433", keep: maybe }
steps:
  - toxic: { proxy: db, type: latency, stream: sideways }
  - toxic: { proxy: ghost, type: latency }
  - ramp: { proxy: db, type: latency, attribute: colour, from: 0, to: 1, over: 1s }
`),
    ).toEqual([
      's.yaml:5:51: proxies[1].keep: expected true or false, got "maybe"',
      's.yaml:7:48: steps[0].toxic.stream: expected one of upstream, downstream, got "sideways"',
      's.yaml:5:13: proxies[1].name: proxy "db" is declared twice',
      's.yaml:8:21: steps[1].toxic.proxy: unknown proxy "ghost": declare it under proxies (declared: db)',
      's.yaml:9:50: steps[2].ramp.attribute: latency has no attribute "colour" (it has: latency, jitter, distribution, correlation)',
    ]);
  });
});

describe('messages', () => {
  it("say what was expected in plain words, not the validation library's", () => {
    const found = problems(`version: 1
name: m
proxies: [{ name: db, upstream: "127.0.0.1:1" }]
steps:
  - toxic: { proxy: db, type: latency, stream: sideways }
  - monkey: { proxies: [], interval: { min: 1s, max: 2s }, faults: [] }
    for: 1s
`);
    expect(found).toEqual([
      's.yaml:5:48: steps[0].toxic.stream: expected one of upstream, downstream, got "sideways"',
      's.yaml:6:24: steps[1].monkey.proxies: expected at least 1 item',
      's.yaml:6:68: steps[1].monkey.faults: expected at least 1 item',
    ]);
    for (const line of found) expect(line).not.toMatch(/Invalid option|Too small|>=/);
  });
});
