/**
 * The parsed request body of a handler that needs one.
 * @module
 */
import type { Request } from 'express';
import { parseLenientJson, type JsonValue } from './middleware/lenient-json.js';

/** Parses the raw body leniently; an empty body is 400 `bad request body: EOF`. */
export function jsonBody(req: Request): JsonValue {
  const raw: unknown = req.body;
  return parseLenientJson(Buffer.isBuffer(raw) ? raw : undefined);
}
