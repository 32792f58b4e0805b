/**
 * Every error Faultline reports: a stable `code`, the HTTP status the admin API answers with, and a
 * human message. Messages follow Toxiproxy's wording where Toxiproxy has one, so its clients show the
 * same text.
 * @module
 */

/** The error table: code → HTTP status. */
export const ERROR_STATUS = {
  PROXY_NOT_FOUND: 404,
  PROXY_EXISTS: 409,
  TOXIC_NOT_FOUND: 404,
  TOXIC_EXISTS: 409,
  CONNECTION_NOT_FOUND: 404,
  INVALID_STREAM: 400,
  INVALID_TOXIC_TYPE: 400,
  INVALID_ATTRIBUTES: 400,
  INVALID_TOXIC: 400,
  BAD_REQUEST_BODY: 400,
  MISSING_FIELD: 400,
  INVALID_ADDRESS: 400,
  LISTEN_FAILED: 500,
  LISTEN_NOT_ALLOWED: 403,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_PATH: 400,
  BAD_REQUEST: 400,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  CONFIG_INVALID: 400,
  SCENARIO_INVALID: 400,
  SCENARIO_NOT_FOUND: 404,
  STATE_INVALID: 500,
  TLS_INVALID: 400,
  UNSUPPORTED: 400,
  LIMIT_EXCEEDED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INTERNAL: 500,
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** Base class for every error Faultline throws on purpose. */
export class FaultlineError extends Error {
  override readonly name = 'FaultlineError';
  readonly code: ErrorCode;
  readonly status: number;
  /** A mistake in what a client sent: the admin API says so first, with Toxiproxy's `bad request body: `. */
  readonly inRequestBody: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number; inRequestBody?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status ?? ERROR_STATUS[code];
    this.inRequestBody = options?.inRequestBody ?? false;
  }

  /** The message as the admin API sends it; the library and config files show `message` alone. */
  get apiMessage(): string {
    return this.inRequestBody ? `bad request body: ${this.message}` : this.message;
  }
}

/** Constructors for the errors whose wording is fixed by Toxiproxy's API. */
export const errors = {
  proxyNotFound: () => new FaultlineError('PROXY_NOT_FOUND', 'proxy not found'),
  proxyExists: () => new FaultlineError('PROXY_EXISTS', 'proxy already exists'),
  toxicNotFound: () => new FaultlineError('TOXIC_NOT_FOUND', 'toxic not found'),
  toxicExists: () => new FaultlineError('TOXIC_EXISTS', 'toxic already exists'),
  connectionNotFound: () => new FaultlineError('CONNECTION_NOT_FOUND', 'connection not found'),
  invalidStream: () => new FaultlineError('INVALID_STREAM', 'stream was invalid, can be either upstream or downstream'),
  invalidToxicType: () => new FaultlineError('INVALID_TOXIC_TYPE', 'invalid toxic type'),
  missingField: (field: string, suffix = '') => new FaultlineError('MISSING_FIELD', `missing required field: ${field}${suffix}`),
  badRequestBody: (detail: string) => new FaultlineError('BAD_REQUEST_BODY', detail, { inRequestBody: true }),
} as const;

/** True when `err` is a FaultlineError (also across module copies). */
export function isFaultlineError(err: unknown): err is FaultlineError {
  return err instanceof FaultlineError;
}

/** Exhaustiveness check for switches over discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
