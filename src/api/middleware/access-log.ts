/**
 * One debug line per API request, like Toxiproxy's access log, written once the response is done.
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../core/logger.js';

/** Logs method, path, status, size and duration at debug level. */
export function accessLog(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!logger.isLevelEnabled('debug')) {
      next();
      return;
    }
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      logger.debug(
        {
          request_id: res.locals['requestId'],
          client: req.socket.remoteAddress,
          method: req.method,
          url: req.originalUrl,
          user_agent: req.headers['user-agent'],
          status: res.statusCode,
          size: Number(res.getHeader('content-length') ?? 0),
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'api request',
      );
    });
    next();
  };
}
