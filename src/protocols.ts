/**
 * The built-in protocols, in the order `/faultline/info` lists them. `startServer` and `startProxy`
 * run with these unless given others.
 * @module
 */
import { tcpProtocol, type ProtocolModule } from './core/protocol.js';
import { httpProtocol } from './http/protocol.js';
import { http2Protocol } from './http2/protocol.js';
import { udpProtocol } from './udp/protocol.js';

export const builtinProtocols: readonly ProtocolModule[] = [tcpProtocol, httpProtocol, udpProtocol, http2Protocol];

/** The names of the built-in protocols (`tcp`, `http`, `udp`, `http2`): what config files and scenarios accept. */
export const PROTOCOLS = builtinProtocols.map((p) => p.name) as readonly string[] as readonly ['tcp', 'http', 'udp', 'http2'];
