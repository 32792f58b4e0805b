import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { tlsFromFlags } from './tls-flags.js';

describe('the --tls-* flags of create', () => {
  it('ask for no TLS unless given', () => {
    expect(tlsFromFlags({})).toBeUndefined();
  });

  it('terminate with --tls-listen, with a key and ALPN list', () => {
    expect(tlsFromFlags({ 'tls-listen': 'auto' })).toEqual({ listen: { cert: 'auto' } });
    expect(tlsFromFlags({ 'tls-listen': '/c.pem', 'tls-key': '/k.pem', 'tls-alpn': 'h2, http/1.1' })).toEqual({
      listen: { cert: '/c.pem', key: '/k.pem', alpn: ['h2', 'http/1.1'] },
    });
  });

  it('originate with --tls-upstream, or any upstream flag, verifying unless --tls-insecure', () => {
    expect(tlsFromFlags({ 'tls-upstream': true })).toEqual({ upstream: { verify: true } });
    expect(tlsFromFlags({ 'tls-servername': 'api.internal', 'tls-ca': '/ca.pem' })).toEqual({
      upstream: { verify: true, servername: 'api.internal', ca: '/ca.pem' },
    });
    expect(tlsFromFlags({ 'tls-listen': 'auto', 'tls-insecure': true })).toEqual({
      listen: { cert: 'auto' },
      upstream: { verify: false },
    });
  });

  it('refuses a key or ALPN without --tls-listen', () => {
    expect(() => tlsFromFlags({ 'tls-key': '/k.pem' })).toThrow(new UsageError('--tls-key and --tls-alpn go with --tls-listen'));
  });
});
