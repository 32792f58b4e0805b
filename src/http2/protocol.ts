/**
 * The `http2` protocol module: HTTP/2 proxies (h2c), streams forwarded one to one by the HTTP/2
 * gateway, taking byte-stream toxics on the wire, HTTP toxics per stream and HTTP/2 toxics.
 * @module
 */
import { STREAM_LAYER, type ProtocolModule } from '../core/protocol.js';
import { HTTP_LAYER } from '../http/protocol.js';
import { http2Gateway } from './gateway.js';
import { HTTP2_LAYER } from './toxics/http2-types.js';

/** HTTP/2 through an in-process gateway; pass it to the engine in `protocols`. */
export const http2Protocol: ProtocolModule = {
  name: 'http2',
  title: 'HTTP/2',
  layers: [STREAM_LAYER, HTTP_LAYER, HTTP2_LAYER],
  gateway: http2Gateway,
};
