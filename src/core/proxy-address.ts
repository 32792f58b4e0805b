/**
 * The address checks of a proxy: a listen address resolved strictly (bad input is the client's 400,
 * not a bind failure), kept on loopback unless the engine allows more, and an upstream that is
 * `host:port`.
 * @module
 */
import { FaultlineError } from '../errors.js';
import { AddressError, formatHostPort, isLoopback, parseHostPort, resolveListenHost, type HostPort } from './address.js';

/** Throws INVALID_ADDRESS unless `upstream` is `host:port`. */
export function checkUpstream(upstream: string): void {
  try {
    const { host } = parseHostPort(upstream);
    if (host === '') throw new AddressError(`address ${upstream}: missing host in address`);
  } catch (err) {
    throw new FaultlineError('INVALID_ADDRESS', `upstream: ${(err as Error).message}`, { cause: err });
  }
}

/** Parses and resolves a listen address; bad input throws INVALID_ADDRESS (a 400, not a bind failure). */
export async function resolveListenStrict(listen: string): Promise<HostPort> {
  try {
    const { host, port } = parseHostPort(listen);
    return { host: await resolveListenHost(host), port };
  } catch (err) {
    const message = err instanceof AddressError ? err.message : `lookup ${listen}: ${(err as Error).message}`;
    throw new FaultlineError('INVALID_ADDRESS', `listen tcp: ${message}`, { cause: err });
  }
}

/** Throws LISTEN_NOT_ALLOWED for a non-loopback address unless `allowRemote`. */
export function checkListenAllowed({ host, port }: HostPort, allowRemote: boolean): void {
  if (allowRemote || isLoopback(host)) return;
  throw new FaultlineError(
    'LISTEN_NOT_ALLOWED',
    `listen ${formatHostPort(host, port)}: not a loopback address, and this server keeps proxies on this machine ` +
      '(start it with --allow-remote-listen, or server.allow_remote_listen, to open proxies to the network)',
  );
}
