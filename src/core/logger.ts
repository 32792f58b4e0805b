/**
 * The logging interface the engine depends on. pino's logger satisfies it; `core/` never imports pino.
 * @module
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

type LogFn = (obj: object, msg?: string) => void;

/** A structured logger: constant messages, data in fields. */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

const ignore: LogFn = () => {};

/** A logger that drops everything (the default for embedded use). */
export const silentLogger: Logger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => silentLogger,
  isLevelEnabled: () => false,
};
