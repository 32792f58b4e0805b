/**
 * `X-Faultline-Version` on every answer of the admin API, errors and unknown routes included, so a
 * script can tell Faultline from Toxiproxy (and which Faultline) without changing `/version`.
 * @module
 */
import type { NextFunction, Request, Response } from 'express';
import { FAULTLINE_VERSION } from '../version.js';

/** Header name. */
export const VERSION_HEADER = 'X-Faultline-Version';

/** Sets the header; the first middleware, so nothing answers without it. */
export function versionHeader(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader(VERSION_HEADER, FAULTLINE_VERSION);
  next();
}
