/**
 * Writing responses: compact JSON with Toxiproxy's content type, and the one error body every
 * failure uses.
 * @module
 */
import type { Response } from 'express';
import type { FaultlineError } from '../errors.js';

/** Sends `body` (already JSON text) as `application/json`, without Express adding a charset. */
export function sendJson(res: Response, status: number, body: string): void {
  res.status(status).setHeader('Content-Type', 'application/json');
  res.send(Buffer.from(body, 'utf8'));
}

/** Sends an empty response (204 for deletes and reset). */
export function sendEmpty(res: Response, status = 204): void {
  res.status(status).end();
}

/**
 * The error body: Toxiproxy's `{"error","status"}` in its key order, extra keys (populate's
 * `proxies`) next, then our stable `code`.
 */
export function errorBody(err: FaultlineError, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ error: err.apiMessage, status: err.status, ...extra, code: err.code });
}

/** Sends `err` as the JSON error body with its status. */
export function sendError(res: Response, err: FaultlineError, extra?: Record<string, unknown>): void {
  sendJson(res, err.status, errorBody(err, extra));
}
