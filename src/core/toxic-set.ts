/**
 * A proxy's toxics: the ordered list per direction, the per-direction limit, their leases, and the
 * fan-out of every change, synchronously, to the live connections' links (byte-stream toxics) or to
 * the protocol's gateway (toxics of its own layers). Never waits on a socket.
 * @module
 */
import { FaultlineError } from '../errors.js';
import { MAX_TOXICS_PER_DIRECTION } from '../limits.js';
import { applyToxicPatch, resolveToxic, type ParseOptions, type ToxicInput, type ToxicPatch } from '../toxics/spec.js';
import { isStreamToxic, type AnyToxicDefinition, type ToxicDefinition, type ToxicSpec } from './toxic-contract.js';
import type { Clock } from './clock.js';
import { DIRECTIONS, type Direction } from '../direction.js';
import { Leases } from './leases.js';
import type { Link } from './link.js';
import { layerOf, type ProtocolGateway, type ProtocolModule, type ProxyToxic } from './protocol.js';

/** One toxic on the proxy: the same object for its whole life, `spec` replaced on update. */
interface HeldToxic extends ProxyToxic {
  spec: ToxicSpec;
}

/** What the set needs from its proxy. */
export interface ToxicSetHost {
  readonly name: string;
  readonly clock: Clock;
  /** The proxy's protocol and gateway, read per change. */
  readonly protocolModule: ProtocolModule;
  readonly gateway: ProtocolGateway | null;
  /** Every protocol of the engine, to name the ones that take a layer. */
  readonly protocols: readonly ProtocolModule[];
  /** The layer of TLS faults, when the engine runs TLS. */
  readonly tlsLayer?: string | undefined;
  /** The live links of `direction`, for the fan-out of byte-stream toxics. */
  links(direction: Direction): Iterable<Link>;
  /** A toxic's lease ran out. */
  leaseExpired(name: string): void;
}

/** The toxics of one proxy. */
export class ToxicSet {
  private readonly held: HeldToxic[] = [];
  private readonly leases: Leases;

  constructor(private readonly host: ToxicSetHost) {
    this.leases = new Leases(host.clock, (name) => host.leaseExpired(name));
  }

  /** Toxics, upstream ones first, each direction in the order they were added. */
  get specs(): ToxicSpec[] {
    return DIRECTIONS.flatMap((d) => this.held.filter((t) => t.spec.direction === d).map((t) => t.spec));
  }

  /** Every toxic as held (the gateway's view), in the order they were added. */
  get all(): readonly ProxyToxic[] {
    return this.held;
  }

  get(name: string): ToxicSpec | undefined {
    return this.find(name)?.spec;
  }

  /** Toxics with a lease right now (one timer each). */
  get leased(): number {
    return this.leases.size;
  }

  /** Milliseconds left on the toxic's lease (rounded up, at least 1), or undefined when it has none. */
  leaseRemaining(name: string): number | undefined {
    return this.leases.remaining(name);
  }

  /** Stops every lease timer, keeping the toxics. */
  cancelLeases(): void {
    this.leases.clear();
  }

  /** The byte-stream toxics of a direction: what a connection's chain runs. */
  streamToxics(direction: Direction): Array<{ spec: ToxicSpec; definition: ToxicDefinition }> {
    const out: Array<{ spec: ToxicSpec; definition: ToxicDefinition }> = [];
    for (const t of this.held) {
      if (t.spec.direction === direction && isStreamToxic(t.definition)) out.push({ spec: t.spec, definition: t.definition });
    }
    return out;
  }

  /** Adds a toxic at the end of its direction's chain, on every live connection too. */
  add(input: ToxicInput, options: ParseOptions | undefined, leaseMs: number | undefined): ToxicSpec {
    const toxic: HeldToxic = resolveToxic(input, (name) => this.find(name) !== undefined, options);
    this.checkRoom(toxic.spec.direction);
    this.checkLayer(toxic.spec, toxic.definition);
    if (!isStreamToxic(toxic.definition)) this.host.gateway?.toxicAdded?.(toxic);
    this.held.push(toxic);
    if (leaseMs !== undefined) this.leases.arm(toxic.spec.name, leaseMs);
    if (isStreamToxic(toxic.definition)) {
      for (const link of this.host.links(toxic.spec.direction)) {
        link.chain.add(toxic.spec, toxic.definition);
        link.refresh();
      }
      this.host.gateway?.byteToxicAdded?.();
    }
    return toxic.spec;
  }

  /** Updates attributes and/or toxicity in place; validation happens first, so a failure changes nothing. */
  update(name: string, patch: ToxicPatch, options: Pick<ParseOptions, 'strict'> | undefined, leaseMs: number | undefined): ToxicSpec {
    const toxic = this.find(name);
    if (!toxic) throw new FaultlineError('TOXIC_NOT_FOUND', 'toxic not found');
    toxic.spec = applyToxicPatch(toxic.spec, toxic.definition, patch, options);
    if (leaseMs !== undefined) this.leases.arm(toxic.spec.name, leaseMs);
    if (isStreamToxic(toxic.definition)) {
      for (const link of this.host.links(toxic.spec.direction)) {
        link.chain.update(toxic.spec, toxic.definition);
        link.refresh();
      }
    } else this.host.gateway?.toxicUpdated?.(toxic);
    return toxic.spec;
  }

  /** Removes a toxic; what it holds flows on at once. */
  remove(name: string): ToxicSpec {
    const index = this.held.findIndex((t) => t.spec.name === name);
    const toxic = this.held[index];
    if (!toxic) throw new FaultlineError('TOXIC_NOT_FOUND', 'toxic not found');
    this.held.splice(index, 1);
    this.leases.disarm(toxic.spec.name);
    if (!isStreamToxic(toxic.definition)) this.host.gateway?.toxicRemoved?.(toxic);
    for (const link of [...this.host.links(toxic.spec.direction)]) {
      link.chain.remove(name);
      link.refresh();
    }
    return toxic.spec;
  }

  /**
   * Throws CONFLICT when a toxic's layer is one `next` does not take (remove it before changing the
   * proxy's protocol).
   */
  checkProtocolChange(next: ProtocolModule, change = `changing its protocol to ${next.name}`): void {
    const misfit = this.held.find((t) => !next.layers.includes(layerOf(t.definition)));
    if (!misfit) return;
    throw new FaultlineError(
      'CONFLICT',
      `proxy ${this.host.name} has ${this.layerTitle(layerOf(misfit.definition))} toxics (${misfit.spec.name}): remove them before ${change}`,
    );
  }

  private find(name: string): HeldToxic | undefined {
    return this.held.find((t) => t.spec.name === name);
  }

  /** Throws LIMIT_EXCEEDED when `direction` already has {@link MAX_TOXICS_PER_DIRECTION} toxics. */
  private checkRoom(direction: Direction): void {
    let count = 0;
    for (const t of this.held) if (t.spec.direction === direction) count++;
    if (count >= MAX_TOXICS_PER_DIRECTION) {
      throw new FaultlineError(
        'LIMIT_EXCEEDED',
        `proxy ${this.host.name} already has ${MAX_TOXICS_PER_DIRECTION} ${direction} toxics, the most one direction may have: remove one first`,
      );
    }
  }

  /** Throws INVALID_TOXIC_TYPE unless the proxy's protocol takes the toxic's layer. */
  private checkLayer(spec: ToxicSpec, definition: AnyToxicDefinition): void {
    const layer = layerOf(definition);
    const protocol = this.host.protocolModule;
    if (protocol.layers.includes(layer)) return;
    if (layer === this.host.tlsLayer) {
      throw new FaultlineError(
        'INVALID_TOXIC_TYPE',
        `toxic type ${spec.type} works on proxies that terminate TLS only; proxy ${this.host.name} has no tls.listen (set "tls": {"listen": {"cert": "auto"}})`,
      );
    }
    const takers = this.host.protocols.filter((p) => p.layers.includes(layer));
    const where = takers.length > 0 ? takers.map((p) => p.title).join(' or ') : layer;
    const hint = takers[0] ? ` (create it with "protocol": "${takers[0].name}")` : '';
    throw new FaultlineError(
      'INVALID_TOXIC_TYPE',
      `toxic type ${spec.type} works on ${where} proxies only; proxy ${this.host.name} has protocol ${protocol.name}${hint}`,
    );
  }

  /** How messages name a layer: the title of the first protocol that takes it (`HTTP`). */
  private layerTitle(layer: string): string {
    if (layer === this.host.tlsLayer) return 'TLS';
    return this.host.protocols.find((p) => p.layers.includes(layer))?.title ?? layer;
  }
}
