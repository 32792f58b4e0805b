/**
 * Every failure of a route that exists becomes the JSON error body, including oversized or
 * undecodable bodies and bad path encodings. Unexpected errors are logged and answered with 500;
 * they are bugs, never the client's fault. Unknown routes (404) and wrong methods (405) answer
 * exactly as Toxiproxy's router does, since clients show that text to their users.
 * @module
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../core/logger.js';
import { FaultlineError, isFaultlineError } from '../../errors.js';
import { sendError } from '../respond.js';

/** The shape of errors raised by body-parser and the router (http-errors). */
interface HttpError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  limit?: unknown;
  message?: unknown;
}

/** Maps any thrown value to a FaultlineError with a status and a message that says what was wrong. */
export function toFaultlineError(err: unknown): FaultlineError | undefined {
  if (isFaultlineError(err)) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as HttpError;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 0;
  const message = typeof e.message === 'string' ? e.message : 'bad request';
  switch (e.type) {
    case 'entity.too.large':
      return new FaultlineError('PAYLOAD_TOO_LARGE', `request body too large: the limit is ${String(e.limit)} bytes`);
    case 'encoding.unsupported':
      return new FaultlineError('UNSUPPORTED_MEDIA_TYPE', `bad request body: ${message}`);
    default:
      break;
  }
  if (err instanceof URIError || /decode param/i.test(message)) {
    return new FaultlineError('INVALID_PATH', `bad request path: ${message}`);
  }
  if (status >= 400 && status < 500) {
    return new FaultlineError('BAD_REQUEST_BODY', `bad request body: ${message}`, { status });
  }
  return undefined;
}

/** The last middleware: writes the JSON error body. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let error = toFaultlineError(err);
    if (!error) {
      logger.error({ err, method: req.method, url: req.originalUrl }, 'unexpected error in API handler');
      error = new FaultlineError('INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
    sendError(res, error);
  };
}

/** The body of an unknown route, as Go's `http.NotFound` writes it. */
export const NOT_FOUND_BODY = '404 page not found\n';

/**
 * Unknown path: Toxiproxy's 404, byte for byte (plain text, `nosniff`, `404 page not found`), with
 * no request id, as its router answers before any middleware runs.
 */
export const notFound: RequestHandler = (_req, res) => {
  res.status(404).set({ 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.send(Buffer.from(NOT_FOUND_BODY));
};

/** Known path, wrong method: Toxiproxy's empty 405, plus the `Allow` header HTTP asks for. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (_req, res) => {
    res.status(405).set('Allow', allow).end();
  };
}
