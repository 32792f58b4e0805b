/**
 * The JUnit report of a run: one test case per probe and per step, failures with their reason,
 * steps never reached skipped, and text escaped for XML.
 */
import { describe, expect, it } from 'vitest';
import { AdminClientError } from '../api/client.js';
import { drive, scriptedCheck, setup } from '../testing/run-harness.js';
import { junitXml } from './junit.js';
import type { CheckRunner } from './probes.js';

describe('JUnit report', () => {
  it('has a case per probe and step, with failures and skips', async () => {
    const { clock, admin, run } = setup(`probes:
  - name: api <main>
    http: { url: "http://127.0.0.1:1/health" }
    interval: 100ms
steps:
  - name: slow & steady
    toxic: { proxy: db, type: latency, attributes: { latency: 50 } }
    for: 500ms
  - toxic: { proxy: db, type: noop, name: b }
  - wait: 1s
  - at: 5s
    wait: 1s
`);
    (run as unknown as { check: CheckRunner }).check = scriptedCheck(clock, (now) => now >= 200 && now < 300);
    const journal = await drive(clock, run, 10, (now) => {
      if (now === 400) admin.failures.set('addToxic', new AdminClientError('HTTP 409: toxic already exists', 409, 'TOXIC_EXISTS'));
    });
    admin.failures.clear();
    const xml = junitXml(journal);
    expect(
      xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="t" tests="5" failures="3" errors="0" skipped="1"'),
    ).toBe(true);
    expect(xml).toContain('<testcase classname="faultline.t" name="probe api &lt;main&gt; (continuous): GET http://127.0.0.1:1/health"');
    expect(xml).toContain(
      '<failure message="probe api &lt;main&gt; failed: HTTP 503 (expected 2xx)">+0.200s HTTP 503 (expected 2xx)</failure>',
    );
    expect(xml).toContain('name="step 1 (slow &amp; steady): latency on db (downstream) latency=50 for 500ms" time="0.500"/>');
    expect(xml).toContain(
      '<failure message="adding toxic b to proxy db on http://t0: HTTP 409: toxic already exists">adding toxic b to proxy db on http://t0: HTTP 409: toxic already exists</failure>',
    );
    expect(xml).toContain(
      '<skipped message="not reached: step 2 (noop on db (downstream) until the end): adding toxic b to proxy db on http://t0: HTTP 409: toxic already exists"/>',
    );
    expect(xml).toContain('<property name="verdict" value="aborted"/>');
    expect(xml).toContain('<failure message="cut short: step 2 (noop on db (downstream) until the end): adding toxic b');
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml.endsWith('</testsuites>\n')).toBe(true);
  });
});
