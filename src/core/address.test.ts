import { describe, expect, it } from 'vitest';
import { AddressError, formatHostPort, parseHostPort, resolveListen } from './address.js';

describe('host:port', () => {
  it.each([
    ['127.0.0.1:8474', { host: '127.0.0.1', port: 8474 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    [':8474', { host: '', port: 8474 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['redis:6379', { host: 'redis', port: 6379 }],
  ])('parses %s', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  it.each([
    ['127.0.0.1', 'address 127.0.0.1: missing port in address'],
    ['bad', 'address bad: missing port in address'],
    ['::1:80', 'address ::1:80: too many colons in address'],
    ['host:http', 'address host:http: invalid port "http"'],
    ['host:70000', 'address host:70000: invalid port "70000"'],
    ['[::1', "address [::1: missing ']' in address"],
  ])('rejects %s with Go-style wording', (text, message) => {
    expect(() => parseHostPort(text)).toThrow(new AddressError(message));
  });

  it('brackets IPv6 when formatting', () => {
    expect(formatHostPort('::', 80)).toBe('[::]:80');
    expect(formatHostPort('10.0.0.1', 80)).toBe('10.0.0.1:80');
  });

  it('resolves localhost to IPv4 first, as Go does', async () => {
    expect(await resolveListen('localhost:7070')).toBe('127.0.0.1:7070');
    expect(await resolveListen(':7070')).toBe('[::]:7070');
    expect(await resolveListen('nope')).toBeUndefined();
  });
});
