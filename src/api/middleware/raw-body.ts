/**
 * Reads the request body as bytes, whatever the Content-Type (Toxiproxy never checks it; the Java
 * client sends form-urlencoded), up to a size cap. Parsing happens in the handler that needs it, so
 * `/reset` can ignore a body that is not JSON.
 * @module
 */
import express, { type RequestHandler } from 'express';

/** The default cap on request bodies: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Puts the body, as a Buffer, in `req.body` (undefined when there is none). */
export function rawBody(limit: number = DEFAULT_BODY_LIMIT): RequestHandler {
  return express.raw({ type: () => true, limit });
}
