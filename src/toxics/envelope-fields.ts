/**
 * The fields of Toxiproxy's toxic envelope that config files and scenarios declare alike, with the
 * API's defaults.
 * @module
 */
import { z } from 'zod';

/** `stream`: the direction a toxic acts on. */
export function streamField() {
  return z.enum(['upstream', 'downstream']).default('downstream').describe('upstream = client → server, downstream = server → client.');
}

/** `toxicity`: the probability that the toxic applies to `unit` (a connection, a request, …). */
export function toxicityField(unit: string) {
  return z.number().min(0).max(1).default(1).describe(`Probability (0–1) that the toxic applies to ${unit}.`);
}
