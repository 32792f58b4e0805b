/**
 * Reads the request body as bytes, whatever the Content-Type (Toxiproxy never checks it; the Java
 * client sends form-urlencoded), up to a size cap. Parsing happens in the handler that needs it, so
 * `/reset` can ignore a body that is not JSON.
 * @module
 */
import express, { type Request, type RequestHandler } from 'express';

/** The default cap on request bodies: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** True when a request says it has a body, as body-parser decides (a length, or chunked). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
}

/**
 * Puts the body, as a Buffer, in `req.body` (undefined when there is none). The parser is made on
 * the first request with a body: most requests have none, and a server's start then loads no body
 * reader (the faultline executable loads body-parser's parsers on first use, scripts/bundle/).
 */
export function rawBody(limit: number = DEFAULT_BODY_LIMIT): RequestHandler {
  let parse: RequestHandler | undefined;
  return (req, res, next) => {
    if (!hasBody(req)) return next();
    parse ??= express.raw({ type: () => true, limit });
    return parse(req, res, next);
  };
}
