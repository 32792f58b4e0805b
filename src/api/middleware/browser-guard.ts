/**
 * Toxiproxy's guard against calls from web pages (CSRF, DNS rebinding): a User-Agent that starts with
 * exactly `Mozilla/` gets 403. Every browser sends that prefix; API clients and curl do not.
 * @module
 */
import type { NextFunction, Request, Response } from 'express';
import { FaultlineError } from '../../errors.js';

/** Rejects browser requests with 403 `User agent not allowed`. */
export function browserGuard(req: Request, _res: Response, next: NextFunction): void {
  const agent = req.headers['user-agent'];
  if (agent?.startsWith('Mozilla/')) {
    next(new FaultlineError('FORBIDDEN', 'User agent not allowed'));
    return;
  }
  next();
}
