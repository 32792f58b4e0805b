/**
 * `host:port` strings as Toxiproxy writes them: `127.0.0.1:8474`, `[::1]:8474`, `:8474`, `localhost:0`.
 * @module
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type AddressInfo } from 'node:net';

/** A parsed `host:port`. `host` is empty for "all interfaces". */
export interface HostPort {
  host: string;
  port: number;
}

/** Why a `host:port` string could not be parsed (Go's wording, as Toxiproxy reports it). */
export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/** Parses `host:port`; throws {@link AddressError} with Go's wording when it is not one. */
export function parseHostPort(address: string): HostPort {
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) throw new AddressError(`address ${address}: missing ']' in address`);
    host = address.slice(1, close);
    const rest = address.slice(close + 1);
    if (!rest.startsWith(':')) throw new AddressError(`address ${address}: missing port in address`);
    portText = rest.slice(1);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) throw new AddressError(`address ${address}: missing port in address`);
    host = address.slice(0, colon);
    if (host.includes(':')) throw new AddressError(`address ${address}: too many colons in address`);
    portText = address.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new AddressError(`address ${address}: invalid port "${portText}"`);
  }
  return { host, port: Number(portText) };
}

/** Formats a host and port, bracketing IPv6 literals. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Formats a bound server address the way Toxiproxy reports `listen`. */
export function formatAddressInfo(info: AddressInfo): string {
  return formatHostPort(info.address, info.port);
}

/**
 * `listen` with its empty host filled in: an empty listen becomes `host:0` (a free port) and
 * `:8080` becomes `host:8080`. Other addresses are returned as they are.
 */
export function withDefaultHost(listen: string, host: string): string {
  if (listen === '') return formatHostPort(host, 0);
  if (!listen.startsWith(':')) return listen;
  return `${isIP(host) === 6 ? `[${host}]` : host}${listen}`;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** True for an IP only this machine can reach: 127.0.0.0/8, `::1`, or 127.x mapped into IPv6. */
export function isLoopback(ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && LOOPBACK.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Resolves the host of a listen address to one IP, preferring IPv4 as Go does, so `localhost:0`
 * binds 127.0.0.1. An empty host means every interface.
 */
export async function resolveListenHost(host: string): Promise<string> {
  if (host === '') return '::';
  if (isIP(host)) return host;
  const addresses = await lookup(host, { all: true });
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0];
  if (!chosen) throw new AddressError(`lookup ${host}: no such host`);
  return chosen.address;
}

/** Resolves a listen string to the `host:port` it would bind, or undefined when it cannot. */
export async function resolveListen(address: string): Promise<string | undefined> {
  try {
    const { host, port } = parseHostPort(address);
    return formatHostPort(await resolveListenHost(host), port);
  } catch {
    return undefined;
  }
}
