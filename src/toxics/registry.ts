/**
 * The toxic types an engine accepts: every built-in toxic, byte-stream, HTTP and datagram alike,
 * listed once, and {@link ToxicRegistry}, the value an engine is given (the built-ins plus any custom
 * toxics). Lookups, the config schema, the API's catalog and the documentation tables derive from a
 * registry; each definition's `layer` says which kind it is. Datagram toxics share some wire names
 * with byte-stream ones (`latency`, `loss`, …), so a type is looked up within a proxy's layers.
 * Nothing registers itself by being imported.
 * @module
 */
import { bandwidth } from './bandwidth.js';
import { clockSkew } from '../http/toxics/clock-skew.js';
import { corrupt } from './corrupt.js';
import { httpAbort } from '../http/toxics/http-abort.js';
import { httpDelay } from '../http/toxics/http-delay.js';
import { httpHeader } from '../http/toxics/http-header.js';
import { http2Goaway } from '../http2/toxics/goaway.js';
import { http2RstStream } from '../http2/toxics/rst-stream.js';
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
import { datagramBandwidth } from '../udp/toxics/bandwidth.js';
import { datagramCorrupt } from '../udp/toxics/corrupt.js';
import { datagramDuplicate } from '../udp/toxics/duplicate.js';
import { datagramLatency } from '../udp/toxics/latency.js';
import { datagramLoss } from '../udp/toxics/loss.js';
import { datagramPartition } from '../udp/toxics/partition.js';
import { datagramReorder } from '../udp/toxics/reorder.js';
import type { DatagramToxicDefinition } from '../udp/toxics/datagram-toxic.js';
import { tlsCertificate } from '../tls/toxics/tls-certificate.js';
import { tlsHandshake } from '../tls/toxics/tls-handshake.js';
import type { TlsToxicDefinition } from '../tls/toxics/tls-layer.js';
import { toxicLayer, type AnyToxicDefinition, type ToxicDefinition, type ToxicLookup } from '../core/toxic-contract.js';

/** The built-in toxics, in documentation order: byte-stream toxics, then HTTP toxics, then HTTP/2 toxics. */
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
  http2RstStream,
  http2Goaway,
];

/** The built-in datagram toxics (layer `datagram`, udp proxies), in documentation order. */
export const builtinDatagramToxics: readonly DatagramToxicDefinition[] = [
  datagramLatency,
  datagramLoss,
  datagramDuplicate,
  datagramReorder,
  datagramBandwidth,
  datagramCorrupt,
  datagramPartition,
];

/** The built-in TLS toxics (layer `tls`, proxies that terminate TLS), in documentation order. */
export const builtinTlsToxics: readonly TlsToxicDefinition[] = [tlsCertificate, tlsHandshake] as readonly TlsToxicDefinition[];

/** A wire type: snake_case, starting with a letter, as Toxiproxy's are. */
const TYPE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Throws a TypeError saying what is wrong with a definition given as a custom toxic. */
function checkCustom(definition: AnyToxicDefinition, known: ReadonlyMap<string, unknown>): void {
  const what = `custom toxic ${JSON.stringify((definition as { type?: unknown }).type)}`;
  if (typeof definition.type !== 'string' || !TYPE_NAME.test(definition.type)) {
    throw new TypeError(`${what}: type must be snake_case (a-z, 0-9, _; a letter first; at most 64 characters)`);
  }
  if (known.has(definition.type)) throw new TypeError(`${what}: a toxic of this type is already defined`);
  if (definition.layer !== undefined && definition.layer !== 'stream' && definition.layer !== 'http') {
    throw new TypeError(`${what}: layer must be "stream" or "http"`);
  }
  if (typeof definition.summary !== 'string' || definition.summary === '')
    throw new TypeError(`${what}: summary must be a one-line description`);
  if (definition.destructive !== false && (typeof definition.destructive !== 'string' || definition.destructive === '')) {
    throw new TypeError(`${what}: destructive must be false or say why the toxic is destructive`);
  }
  if (typeof definition.create !== 'function') throw new TypeError(`${what}: create must be a function`);
  if (definition.extensions !== undefined && definition.extensions.length > 0) {
    // Extensions hide default-valued attributes so Toxiproxy clients see Toxiproxy's JSON; a custom
    // toxic has no Toxiproxy counterpart, so all of its attributes are always shown.
    throw new TypeError(`${what}: extensions apply to Toxiproxy's own toxics only; leave it out`);
  }
  const defaults = definition.attributes?.safeParse?.({});
  if (!defaults?.success) throw new TypeError(`${what}: attributes must be a zod object in which every attribute has a default`);
}

/**
 * The toxic types one engine accepts, by wire `type`: {@link ToxicRegistry.builtin}, or the
 * built-ins plus custom toxics, `ToxicRegistry.builtin.with([myToxic])`, given to an engine as
 * `toxicRegistry` (`startProxy` and `startServer` take `customToxics` and do this themselves).
 */
export class ToxicRegistry implements ToxicLookup {
  /** Definitions by wire type: one, or one per layer where layers share a name (`latency`). */
  private readonly byType: ReadonlyMap<string, readonly AnyToxicDefinition[]>;

  /** Every definition, in documentation order: the built-ins first, then custom toxics as given. */
  readonly definitions: readonly AnyToxicDefinition[];

  private constructor(definitions: readonly AnyToxicDefinition[]) {
    this.definitions = definitions;
    const byType = new Map<string, AnyToxicDefinition[]>();
    for (const t of definitions) byType.set(t.type, [...(byType.get(t.type) ?? []), t]);
    this.byType = byType;
  }

  /** The built-in toxics only. */
  static readonly builtin: ToxicRegistry = new ToxicRegistry([...builtinToxics, ...builtinDatagramToxics, ...builtinTlsToxics]);

  /**
   * This registry plus `custom` definitions. Throws a TypeError when one is not a valid definition
   * (type not snake_case, already defined, an attribute without a default, …).
   */
  with(custom: readonly AnyToxicDefinition[]): ToxicRegistry {
    if (custom.length === 0) return this;
    const known = new Map<string, unknown>(this.byType);
    for (const definition of custom) {
      checkCustom(definition, known);
      known.set(definition.type, definition);
    }
    return new ToxicRegistry([...this.definitions, ...custom]);
  }

  /**
   * The definition for a wire `type`, or undefined when there is none: the one of `layers` (a
   * proxy's protocol layers) when there is one, else the first defined (so a misplaced type is
   * refused naming the protocols that take it).
   */
  get(type: string, layers?: readonly string[]): AnyToxicDefinition | undefined {
    const found = this.byType.get(type);
    if (!found) return undefined;
    return (layers && found.find((t) => layers.includes(toxicLayer(t)))) ?? found[0];
  }

  /** Every toxic type name, in documentation order. */
  types(): string[] {
    return [...this.byType.keys()];
  }
}

/**
 * The registry an engine is given for `customToxics` (the built-ins plus them, validated), or
 * `given` when there are none. Both at once is a TypeError.
 */
export function registryWith(custom: readonly AnyToxicDefinition[] | undefined, given: ToxicLookup | undefined): ToxicLookup | undefined {
  if (custom === undefined || custom.length === 0) return given;
  if (given !== undefined) throw new TypeError('give customToxics or toxicRegistry, not both');
  return ToxicRegistry.builtin.with(custom);
}

/** The toxic types an engine accepts: its registry, or the built-in one. */
export function acceptedToxics(given: ToxicLookup | undefined): ToxicLookup {
  return given ?? ToxicRegistry.builtin;
}

/** The built-in definition for a wire `type` (within `layers`, see {@link ToxicRegistry.get}), or undefined when there is none. */
export function getToxicDefinition(type: string, layers?: readonly string[]): AnyToxicDefinition | undefined {
  return ToxicRegistry.builtin.get(type, layers);
}

/** The built-in byte-stream toxics, in documentation order. */
export function streamToxics(): ToxicDefinition[] {
  return builtinToxics.filter((t): t is ToxicDefinition => t.layer === undefined || t.layer === 'stream');
}

/** The built-in byte-stream and HTTP toxic type names (what scenarios take; datagram toxics are in {@link builtinDatagramToxics}). */
export function toxicTypes(): string[] {
  return builtinToxics.map((t) => t.type);
}
