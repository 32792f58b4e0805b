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

/** The settings and bounds both sides of the gateway use. */
export const HTTP2_SESSION_OPTIONS = {
  maxHeaderListPairs: HTTP2_MAX_HEADER_PAIRS,
  maxSessionMemory: HTTP2_MAX_SESSION_MEMORY_MIB,
  settings: { maxConcurrentStreams: HTTP2_MAX_CONCURRENT_STREAMS, maxHeaderListSize: HTTP2_MAX_HEADER_LIST_SIZE },
} as const;
