/**
 * Every built-in toxic, listed once. The lookup map and the documentation tables derive from this
 * list; nothing registers itself by being imported.
 * @module
 */
import { bandwidth } from './bandwidth.js';
import { corrupt } from './corrupt.js';
import { latency } from './latency.js';
import { limitData } from './limit-data.js';
import { limitTime } from './limit-time.js';
import { loss } from './loss.js';
import { noop } from './noop.js';
import { partition } from './partition.js';
import { pause } from './pause.js';
import { resetPeer } from './reset-peer.js';
import { slicer } from './slicer.js';
import { slowClose } from './slow-close.js';
import { slowOpen } from './slow-open.js';
import { timeout } from './timeout.js';
import type { ToxicDefinition } from './types.js';

/** The built-in toxics, in documentation order. */
export const builtinToxics: readonly ToxicDefinition[] = [
  latency,
  bandwidth,
  slowClose,
  timeout,
  resetPeer,
  slicer,
  limitData,
  noop,
  loss,
  partition,
  pause,
  slowOpen,
  limitTime,
  corrupt,
];

const byType = new Map<string, ToxicDefinition>(builtinToxics.map((t) => [t.type, t]));

/** The definition for a wire `type`, or undefined when there is none. */
export function getToxicDefinition(type: string): ToxicDefinition | undefined {
  return byType.get(type);
}

/** Every toxic type name. */
export function toxicTypes(): string[] {
  return [...byType.keys()];
}
