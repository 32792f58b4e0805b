/**
 * The root logger: pino, JSON lines on stdout by default, pretty-printed when stdout is a terminal.
 * Children per proxy and connection come from the engine through the `Logger` interface.
 * @module
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogLevel } from '../core/logger.js';

/** pino-pretty is loaded only for a terminal: JSON output, the usual case for a server, never needs it. */
const require = createRequire(import.meta.url);

/** Levels accepted by `--log-level`: the engine's levels plus `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A log level name, or `silent` for none. */
export type LogLevelName = LogLevel | 'silent';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevelName;
  /** Human-readable output; default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

/** True when `value` is one of {@link LOG_LEVELS}. */
export function isLogLevel(value: string): value is LogLevelName {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Maps Toxiproxy's `LOG_LEVEL` (zerolog names) to ours: `panic` is `fatal`; unknown values give
 * undefined so the caller can warn and carry on, as Toxiproxy does.
 */
export function fromToxiproxyLevel(value: string): LogLevelName | undefined {
  const lower = value.trim().toLowerCase();
  if (lower === 'panic') return 'fatal';
  if (lower === 'disabled') return 'silent';
  return isLogLevel(lower) ? lower : undefined;
}

/** Creates the root logger. Writes are synchronous so nothing is lost when the process exits. */
export function createLogger(options: LoggerOptions = {}): PinoLogger {
  const level = options.level ?? 'info';
  const base = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    const prettyStream = require('pino-pretty') as typeof PinoPretty;
    return pino(base, prettyStream({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l' }));
  }
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
