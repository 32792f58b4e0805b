/**
 * The names a proxy's certificate is issued for: the SNI name a client asks for (when it is a
 * sound DNS name), else the listen host, with the loopback names a local client may use.
 * @module
 */
import { isIP } from 'node:net';
import { parseHostPort } from '../core/address.js';

/** A DNS name: letters, digits, hyphens, underscores, dots; at most 253 characters. */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

/** Names every local client may use for a loopback or wildcard listen address. */
const LOCAL_NAMES = ['localhost', '127.0.0.1', '::1'];

/** The SNI name to issue for, lower-cased, or undefined when it is not a sound DNS name (the listen host's certificate is used). */
export function sniName(servername: string): string | undefined {
  const name = servername.toLowerCase().replace(/\.$/, '');
  return DNS_NAME.test(name) && isIP(name) === 0 ? name : undefined;
}

/** The names of a certificate for `listen` (`host:port`): its host, then the local names. */
export function serverNames(listen: string): string[] {
  let host = '';
  try {
    host = parseHostPort(listen).host;
  } catch {
    // An unparsable listen is refused elsewhere; the local names still serve.
  }
  const wildcard = host === '' || host === '0.0.0.0' || host === '::';
  return [...new Set([...(wildcard ? [] : [host.toLowerCase()]), ...LOCAL_NAMES])];
}
