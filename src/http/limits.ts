/**
 * Limits of the HTTP layer.
 * @module
 */

/** Largest request or response head the HTTP layer parses (64 KiB; Node's default is 16 KiB). */
export const HTTP_MAX_HEADER_SIZE = 64 * 1024;
