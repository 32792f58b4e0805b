/**
 * Every failure becomes the JSON error body, including unknown routes (404), wrong methods (405),
 * oversized or undecodable bodies and bad path encodings. Unexpected errors are logged and answered
 * with 500; they are bugs, never the client's fault.
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

/** A path for a message, cut short when a client sent something huge. */
function shortPath(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** Unknown path: 404 with a JSON body (Toxiproxy sends plain text here, which its Go client cannot read). */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new FaultlineError('ROUTE_NOT_FOUND', `no such route: ${req.method} ${shortPath(req.path)}`));
};

/** Known path, wrong method: 405 with an `Allow` header and a JSON body. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req, res, next) => {
    res.set('Allow', allow);
    next(new FaultlineError('METHOD_NOT_ALLOWED', `method ${req.method} not allowed on ${shortPath(req.path)} (allowed: ${allow})`));
  };
}
