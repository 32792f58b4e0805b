/**
 * Limits of the HTTP/2 layer: what one client connection may hold, whatever its peer sends.
 * @module
 */
import { HTTP_MAX_HEADER_SIZE } from '../http/limits.js';

/** Streams one client connection may have open at once (advertised in SETTINGS). */
export const HTTP2_MAX_CONCURRENT_STREAMS = 256;

/** Largest header list a stream may carry, decoded (advertised; larger ones reset the stream). */
export const HTTP2_MAX_HEADER_LIST_SIZE = HTTP_MAX_HEADER_SIZE;

/** Header fields a stream may carry (Node's default of 128 is too few for some gRPC metadata). */
export const HTTP2_MAX_HEADER_PAIRS = 1024;

/** MiB one session may hold in nghttp2's queues before new streams are refused. */
export const HTTP2_MAX_SESSION_MEMORY_MIB = 16;

/**
 * The flow-control window each stream opens to its sender (RFC 9113 §6.9.2): the most one stream
 * may have in flight towards the proxy. Larger than the default 64 KiB, so the extra hop does not
 * cap a stream's throughput.
 */
export const HTTP2_STREAM_WINDOW = 256 * 1024;

/** The window of a whole connection: what one session may hold unread, all streams together. */
export const HTTP2_CONNECTION_WINDOW = 1024 * 1024;

/** The settings and bounds both sides of the gateway use. */
export const HTTP2_SESSION_OPTIONS = {
  maxHeaderListPairs: HTTP2_MAX_HEADER_PAIRS,
  maxSessionMemory: HTTP2_MAX_SESSION_MEMORY_MIB,
  settings: {
    maxConcurrentStreams: HTTP2_MAX_CONCURRENT_STREAMS,
    maxHeaderListSize: HTTP2_MAX_HEADER_LIST_SIZE,
    initialWindowSize: HTTP2_STREAM_WINDOW,
  },
} as const;
