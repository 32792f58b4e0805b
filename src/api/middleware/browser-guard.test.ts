import { describe, expect, it } from 'vitest';
import { hostName, isAllowedHostName, isBrowserRequest, refusal } from './browser-guard.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36';

function req(headers: Record<string, string>, method = 'GET') {
  return { method, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) };
}

/** What a same-origin page of the API sends. */
function page(method = 'GET', extra: Record<string, string> = {}) {
  return req({ Host: '127.0.0.1:8474', 'User-Agent': CHROME, 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors', ...extra }, method);
}

describe('browser guard', () => {
  it('leaves requests no browser sent alone, whatever their Host', () => {
    for (const headers of [
      {},
      { 'User-Agent': 'curl/8.5.0', Host: 'toxiproxy:8474' },
      { 'User-Agent': 'mozilla/5.0', Host: 'evil.example' },
      { 'User-Agent': 'Go-http-client/1.1' },
      { 'User-Agent': 'node', 'Sec-Fetch-Mode': 'cors' },
    ]) {
      expect(isBrowserRequest(req(headers))).toBe(false);
      expect(refusal(req(headers, 'POST'))).toBeUndefined();
    }
  });

  it('answers a bare Mozilla/ request as Toxiproxy does (compatibility case 27)', () => {
    const err = refusal(req({ Host: '127.0.0.1:8474', 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' }));
    expect(err?.status).toBe(403);
    expect(err?.message).toBe('User agent not allowed');
  });

  it('lets the dashboard read and change: same origin, its header on every change', () => {
    expect(refusal(page('GET'))).toBeUndefined();
    expect(refusal(page('POST', { 'X-Faultline-Dashboard': '1', Origin: 'http://127.0.0.1:8474' }))).toBeUndefined();
    expect(refusal(page('DELETE', { 'X-Faultline-Dashboard': '1', Origin: 'http://127.0.0.1:8474' }))).toBeUndefined();
    // A same-origin EventSource (no custom header possible), and a URL typed into the address bar.
    expect(refusal(page('GET', { Accept: 'text/event-stream' }))).toBeUndefined();
    expect(refusal(req({ Host: 'localhost:8474', 'User-Agent': CHROME, 'Sec-Fetch-Site': 'none' }))).toBeUndefined();
  });

  it('refuses a change without the header, even from the same origin', () => {
    const err = refusal(page('POST', { Origin: 'http://127.0.0.1:8474' }));
    expect(err?.message).toBe('User agent not allowed');
    expect(refusal(req({ Host: '127.0.0.1:8474', Origin: 'http://127.0.0.1:8474' }, 'POST'))?.message).toBe(
      'request from a web page refused: changes need the X-Faultline-Dashboard header',
    );
  });

  it('refuses other origins: cross-site, same-site (another port), null', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' }, 'cross-origin request refused: origin "http://evil.example"'],
      [{ Origin: 'http://127.0.0.1:3000', 'Sec-Fetch-Site': 'same-site' }, 'cross-origin request refused: origin "http://127.0.0.1:3000"'],
      [{ Origin: 'null' }, 'cross-origin request refused: origin "null"'],
      [{ 'Sec-Fetch-Site': 'cross-site' }, 'cross-site request refused (Sec-Fetch-Site: cross-site)'],
      [{ 'Sec-Fetch-Site': 'same-site' }, 'cross-site request refused (Sec-Fetch-Site: same-site)'],
    ];
    for (const [headers, message] of cases) {
      for (const method of ['GET', 'POST']) {
        const err = refusal(req({ Host: '127.0.0.1:8474', 'User-Agent': CHROME, 'X-Faultline-Dashboard': '1', ...headers }, method));
        expect(err?.message, `${method} ${JSON.stringify(headers)}`).toBe(message);
      }
    }
  });

  it('refuses a browser that names the API by a foreign host (DNS rebinding)', () => {
    for (const host of ['evil.example:8474', 'evil.example', 'localhost.evil.example:8474', '', 'a b']) {
      const err = refusal(
        req(
          { Host: host, 'User-Agent': CHROME, 'Sec-Fetch-Site': 'same-origin', 'X-Faultline-Dashboard': '1', Origin: `http://${host}` },
          'POST',
        ),
      );
      expect(err?.message, host).toBe(
        `host not allowed: ${JSON.stringify(host)} (a browser may reach the API by IP address, localhost or a name in server.allowed_hosts)`,
      );
    }
    expect(
      refusal(req({ Host: 'chaos.internal:8474', 'Sec-Fetch-Site': 'same-origin' }), { allowedHosts: ['chaos.internal'] }),
    ).toBeUndefined();
  });

  it('reads host names of every form, and allows IP addresses, localhost and listed names', () => {
    expect(hostName('127.0.0.1:8474')).toBe('127.0.0.1');
    expect(hostName('[::1]:8474')).toBe('::1');
    expect(hostName('LocalHost')).toBe('localhost');
    expect(hostName('user@evil:1')).toBeUndefined();
    expect(hostName('a:b:c')).toBeUndefined();
    for (const name of ['127.0.0.1', '10.1.2.3', '::1', 'localhost', 'app.localhost']) expect(isAllowedHostName(name), name).toBe(true);
    for (const name of ['evil.example', 'localhost.evil', '127.0.0.1.nip.io']) expect(isAllowedHostName(name), name).toBe(false);
    expect(isAllowedHostName('box.example.com', ['.example.com'])).toBe(true);
    expect(isAllowedHostName('example.com', ['.example.com'])).toBe(true);
    expect(isAllowedHostName('evilexample.com', ['.example.com'])).toBe(false);
    expect(isAllowedHostName('BOX', ['box'])).toBe(false);
    expect(isAllowedHostName('box', ['BOX'])).toBe(true);
  });

  it('serves the page itself without the header, with the same Host and origin checks', () => {
    const options = { requireProof: false };
    expect(refusal(req({ Host: '127.0.0.1:8474', 'User-Agent': 'Mozilla/5.0 (old browser)' }), options)).toBeUndefined();
    expect(refusal(req({ Host: 'evil.example:8474', 'User-Agent': CHROME, 'Sec-Fetch-Site': 'none' }), options)?.status).toBe(403);
    expect(refusal(req({ Host: '127.0.0.1:8474', 'User-Agent': CHROME, 'Sec-Fetch-Site': 'cross-site' }), options)?.status).toBe(403);
  });
});
