/**
 * The `http` protocol module: HTTP/1.1 proxies, parsed by the HTTP gateway, taking byte-stream toxics
 * on the wire and HTTP toxics on requests and responses.
 * @module
 */
import { STREAM_LAYER, type ProtocolModule } from '../core/protocol.js';
import { httpGateway } from './gateway.js';

/** The layer of HTTP toxics. */
export const HTTP_LAYER = 'http';

/** HTTP/1.1 through an in-process gateway; pass it to the engine in `protocols`. */
export const httpProtocol: ProtocolModule = {
  name: 'http',
  title: 'HTTP',
  layers: [STREAM_LAYER, HTTP_LAYER],
  gateway: httpGateway,
};
