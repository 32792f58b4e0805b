/**
 * Probe checks: one HTTP request, one TCP connect, or one command, each bounded by its timeout and
 * by the run's abort signal. A check never throws; it answers whether it passed, how long it took,
 * and what it saw. HTTP checks open a fresh connection each time, so a probe never rides a kept-alive
 * socket that a fault already broke (or spared).
 * @module
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { parseHostPort } from '../core/address.js';
import { compileBodyMatch, MATCH_WINDOW } from './body-match.js';
import { formatDuration } from './duration.js';
import type { ProbeCheck } from './plan.js';
import { runCommand } from './run-command.js';

/** The outcome of one check. */
export interface CheckOutcome {
  ok: boolean;
  /** Wall time the check took, in ms. */
  ms: number;
  /** What was seen, short: `HTTP 200`, `ECONNREFUSED`, `timed out after 2s`, `exit code 1: …`. */
  detail: string;
}

/** Runs one check. Injectable, so the runner can be tested without a network. */
export type CheckRunner = (check: ProbeCheck, signal: AbortSignal) => Promise<CheckOutcome>;

/** Bytes of an HTTP body read for `match`; the rest is discarded. */
const MAX_BODY = MATCH_WINDOW;
/** Characters of output kept in a failed command's detail. */
const MAX_OUTPUT = 300;

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}

function statusOk(check: Extract<ProbeCheck, { kind: 'http' }>, status: number): boolean {
  return check.status === null ? status >= 200 && status < 300 : check.status.includes(status);
}

function httpCheck(check: Extract<ProbeCheck, { kind: 'http' }>, signal: AbortSignal): Promise<CheckOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve({ ok, ms: elapsed(started), detail });
    };
    const url = new URL(check.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let req: ClientRequest;
    try {
      req = send(url, { method: check.method, headers: check.headers, agent: false }, onResponse);
    } catch (err) {
      // Node refuses a method or header it cannot send: a failed check, never an exception.
      resolve({ ok: false, ms: elapsed(started), detail: `cannot send the request: ${errorText(err)}` });
      return;
    }
    function onResponse(res: IncomingMessage): void {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', (err) => finish(false, `HTTP ${status}, body cut off: ${errorText(err)}`));
      res.on('end', () => {
        if (!statusOk(check, status)) {
          const wanted = check.status === null ? '2xx' : check.status.join(' or ');
          return finish(false, `HTTP ${status} (expected ${wanted})`);
        }
        if (
          check.match !== undefined &&
          !compileBodyMatch(check.match).test(Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8'))
        ) {
          return finish(false, `HTTP ${status}, body does not match /${check.match}/`);
        }
        finish(true, `HTTP ${status}`);
      });
    }
    const timer = setTimeout(() => finish(false, `timed out after ${formatDuration(check.timeoutMs)}`), check.timeoutMs);
    const onAbort = (): void => finish(false, 'cancelled');
    signal.addEventListener('abort', onAbort);
    req.on('error', (err) => finish(false, errorText(err)));
    req.end(check.body);
  });
}

function tcpCheck(check: Extract<ProbeCheck, { kind: 'tcp' }>, signal: AbortSignal): Promise<CheckOutcome> {
  const started = performance.now();
  const { host, port } = parseHostPort(check.address);
  return new Promise((resolve) => {
    const socket = connect({ host: host || '127.0.0.1', port });
    const finish = (ok: boolean, detail: string): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ ok, ms: elapsed(started), detail });
    };
    const timer = setTimeout(() => finish(false, `no connection within ${formatDuration(check.timeoutMs)}`), check.timeoutMs);
    const onAbort = (): void => finish(false, 'cancelled');
    signal.addEventListener('abort', onAbort);
    socket.once('connect', () => finish(true, 'connected'));
    socket.once('error', (err) => finish(false, errorText(err)));
  });
}

async function execCheck(check: Extract<ProbeCheck, { kind: 'exec' }>, signal: AbortSignal): Promise<CheckOutcome> {
  const result = await runCommand(check.command, { timeoutMs: check.timeoutMs, signal, maxOutput: MAX_OUTPUT });
  const fail = (detail: string): CheckOutcome => ({ ok: false, ms: result.ms, detail });
  if (signal.aborted) return fail('cancelled');
  if (result.error !== undefined) return fail(result.error);
  if (result.timed_out) return fail(`timed out after ${formatDuration(check.timeoutMs)}`);
  if (result.exit_code === 0) return { ok: true, ms: result.ms, detail: 'exit code 0' };
  const tail = result.output.trim().split('\n').slice(-3).join(' | ');
  return fail(`${result.signal ? `killed by ${result.signal}` : `exit code ${String(result.exit_code)}`}${tail ? `: ${tail}` : ''}`);
}

function startCheck(check: ProbeCheck, signal: AbortSignal): Promise<CheckOutcome> {
  switch (check.kind) {
    case 'http':
      return httpCheck(check, signal);
    case 'tcp':
      return tcpCheck(check, signal);
    case 'exec':
      return execCheck(check, signal);
  }
}

/** Runs one check for real. Whatever goes wrong is a failed check, never an exception. */
export const runCheck: CheckRunner = async (check, signal) => {
  if (signal.aborted) return { ok: false, ms: 0, detail: 'cancelled' };
  try {
    return await startCheck(check, signal);
  } catch (err) {
    return { ok: false, ms: 0, detail: `the check could not run: ${errorText(err)}` };
  }
};
