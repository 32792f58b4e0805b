/**
 * The built-in datagram toxics, in one list; the lookup derives from it. A udp proxy accepts these
 * (layer `datagram`) and nothing else.
 * @module
 */
import type { DatagramToxicDefinition } from './toxics/datagram-toxic.js';
import { datagramBandwidth } from './toxics/bandwidth.js';
import { datagramCorrupt } from './toxics/corrupt.js';
import { datagramDuplicate } from './toxics/duplicate.js';
import { datagramLatency } from './toxics/latency.js';
import { datagramLoss } from './toxics/loss.js';
import { datagramPartition } from './toxics/partition.js';
import { datagramReorder } from './toxics/reorder.js';

/** Every built-in datagram toxic. */
export const DATAGRAM_TOXICS: readonly DatagramToxicDefinition[] = [
  datagramLatency,
  datagramLoss,
  datagramDuplicate,
  datagramReorder,
  datagramBandwidth,
  datagramCorrupt,
  datagramPartition,
];

const byType = new Map(DATAGRAM_TOXICS.map((d) => [d.type, d]));

/** The datagram toxic of a wire `type`, or undefined. */
export function getDatagramToxic(type: string): DatagramToxicDefinition | undefined {
  return byType.get(type);
}
