/**
 * The dashboard's built files (`npm run build` writes them to `dist/ui/`), served under `/ui/` on the
 * admin API's own port. No CDN and no inline script: the page may load only its own files and talk
 * only to its own origin, and no other site may frame it (its buttons change things).
 * @module
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextFunction, Request, Response } from 'express';
import { methodNotAllowed, notFound } from '../api/middleware/errors.js';
import { FaultlineError } from '../errors.js';

/** Where the built files are: `dist/ui/` beside the compiled server, or beside the sources when run from them. */
const CANDIDATES = ['../../ui/', '../../dist/ui/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** Headers of every dashboard file. */
export const ASSET_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

interface Asset {
  type: string;
  body: Buffer;
}

/** The directory of the built dashboard, or undefined when it was not built. */
export function assetDir(): string | undefined {
  return CANDIDATES.find((dir) => existsSync(join(dir, 'index.html')));
}

async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const name of await readdir(dir)) {
    const type = TYPES[extname(name)];
    if (type !== undefined) assets.set(`/${name}`, { type, body: await readFile(join(dir, name)) });
  }
  return assets;
}

/** `/ui` answers GET and HEAD; other methods get the API's empty 405. */
const uiMethods = methodNotAllowed(['GET', 'HEAD']);

/**
 * The `/ui` handler (mounted at `/ui`): `/ui` redirects to `/ui/`, `/ui/` is the page, `/ui/NAME` a
 * built file; GET and HEAD only. Files are read once, on the first request.
 */
export function serveAssets(dir: string | undefined = assetDir()): (req: Request, res: Response, next: NextFunction) => void {
  let loading: Promise<Map<string, Asset>> | undefined;
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      uiMethods(req, res, next);
      return;
    }
    if (req.path === '/' && !req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(301, '/ui/');
      return;
    }
    if (dir === undefined) {
      next(new FaultlineError('NOT_FOUND', 'the dashboard is not built: run npm run build'));
      return;
    }
    loading ??= loadAssets(dir);
    loading.then(
      (assets) => {
        const asset = assets.get(req.path === '/' ? '/index.html' : req.path);
        if (!asset) {
          notFound(req, res, next);
          return;
        }
        res.status(200).set(ASSET_HEADERS).setHeader('Content-Type', asset.type);
        res.send(asset.body);
      },
      (err: unknown) => next(err),
    );
  };
}
