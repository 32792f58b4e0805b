/**
 * How config problems are reported: one error listing every issue, each located as
 * `file:line:col: path: message`, with paths written as `proxies[0].toxics[1].attributes.latency`.
 * @module
 */
import { FaultlineError } from '../errors.js';

/** A config problem; the message lists every issue, one per line. */
export class ConfigError extends FaultlineError {
  constructor(
    message: string,
    /** Each issue on its own, already located. */
    readonly issues: readonly string[] = [message],
  ) {
    super('CONFIG_INVALID', message);
  }
}
