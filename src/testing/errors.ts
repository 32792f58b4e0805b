/**
 * Catching the FaultlineError a call throws, so a test can assert on its code and message.
 * Not part of the package.
 * @module
 */
import { FaultlineError } from '../errors.js';

/** The FaultlineError `fn` throws; anything else thrown is rethrown, and not throwing fails. */
export function errorOf(fn: () => unknown): FaultlineError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FaultlineError) return err;
    throw err;
  }
  throw new Error('expected an error');
}
