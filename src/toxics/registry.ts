/**
 * Every built-in toxic, byte-stream and HTTP alike, listed once. The lookup map, the config schema
 * and the documentation tables derive from this list; each definition's `layer` says which kind it
 * is. Nothing registers itself by being imported.
 * @module
 */
import { bandwidth } from './bandwidth.js';
import { clockSkew } from '../http/toxics/clock-skew.js';
import { corrupt } from './corrupt.js';
import { httpAbort } from '../http/toxics/http-abort.js';
import { httpDelay } from '../http/toxics/http-delay.js';
import { httpHeader } from '../http/toxics/http-header.js';
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
import type { AnyToxicDefinition, ToxicDefinition } from '../core/toxic-contract.js';

/** The built-in toxics, in documentation order: byte-stream toxics, then HTTP toxics. */
export const builtinToxics: readonly AnyToxicDefinition[] = [
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
  httpAbort,
  httpDelay,
  httpHeader,
  clockSkew,
];

const byType = new Map<string, AnyToxicDefinition>(builtinToxics.map((t) => [t.type, t]));

/** The definition for a wire `type`, or undefined when there is none. */
export function getToxicDefinition(type: string): AnyToxicDefinition | undefined {
  return byType.get(type);
}

/** The built-in byte-stream toxics (every layer but HTTP), in documentation order. */
export function streamToxics(): ToxicDefinition[] {
  return builtinToxics.filter((t): t is ToxicDefinition => t.layer !== 'http');
}

/** Every toxic type name. */
export function toxicTypes(): string[] {
  return [...byType.keys()];
}
