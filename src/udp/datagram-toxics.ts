/**
 * The built-in datagram toxics (the registry lists them with every other toxic); the relay's default
 * lookup derives from them. A udp proxy accepts these (layer `datagram`) and nothing else.
 * @module
 */
import { builtinDatagramToxics } from '../toxics/registry.js';
import type { DatagramToxicDefinition } from './toxics/datagram-toxic.js';

/** Every built-in datagram toxic. */
export const DATAGRAM_TOXICS: readonly DatagramToxicDefinition[] = builtinDatagramToxics;

const byType = new Map(DATAGRAM_TOXICS.map((d) => [d.type, d]));

/** The datagram toxic of a wire `type`, or undefined. */
export function getDatagramToxic(type: string): DatagramToxicDefinition | undefined {
  return byType.get(type);
}
