/**
 * Drives one toxic chain on a fake clock, with a recording sink, for unit and contract tests.
 * @module
 */
import { Chain, type ChainHost } from '../core/chain.js';
import { FakeClock } from '../core/clock.js';
import type { Direction } from '../direction.js';
import { createRng, type Rng } from '../core/rng.js';
import { applyToxicPatch, resolveToxic, type ToxicInput, type ToxicPatch } from '../toxics/spec.js';
import { isStreamToxic, type CloseMode, type ToxicDefinition, type ToxicLookup, type ToxicSpec } from '../core/toxic-contract.js';

/** A chain whose sink records everything, driven by a {@link FakeClock}. */
export class ChainHarness implements ChainHost {
  readonly clock = new FakeClock();
  readonly direction: Direction = 'downstream';
  readonly chain = new Chain(this);
  readonly output: Buffer[] = [];
  ended = false;
  droppedBytes = 0;
  closedWith: CloseMode | null = null;
  faults: string[] = [];
  holding = false;
  /** Set when the chain misbehaves (data after end, end twice). */
  violation: string | null = null;
  private readonly attached = new Map<string, { spec: ToxicSpec; definition: ToxicDefinition }>();

  /** `toxics`: the types `add` accepts (default: the built-in ones). */
  constructor(
    private readonly seed = 'test',
    private readonly toxics?: ToxicLookup,
  ) {}

  /** Everything delivered so far. */
  get delivered(): Buffer {
    return Buffer.concat(this.output);
  }

  get deliveredLength(): number {
    let n = 0;
    for (const b of this.output) n += b.length;
    return n;
  }

  add(input: ToxicInput): ToxicSpec {
    const types = this.toxics;
    const { spec, definition } = resolveToxic(input, (name) => this.attached.has(name), types ? { lookup: (type) => types.get(type) } : {});
    if (!isStreamToxic(definition))
      throw new Error(`${spec.type} acts on the ${definition.layer} layer; a chain runs byte-stream toxics only`);
    this.attached.set(spec.name, { spec, definition });
    this.chain.add(spec, definition);
    return spec;
  }

  update(name: string, patch: ToxicPatch): ToxicSpec {
    const toxic = this.attached.get(name);
    if (!toxic) throw new Error(`no toxic ${name}`);
    toxic.spec = applyToxicPatch(toxic.spec, toxic.definition, patch);
    this.chain.update(toxic.spec, toxic.definition);
    return toxic.spec;
  }

  remove(name: string): void {
    this.attached.delete(name);
    this.chain.remove(name);
  }

  has(name: string): boolean {
    return this.attached.has(name);
  }

  send(buf: Buffer): void {
    if (this.closedWith === null) this.chain.receive(buf);
  }

  end(): void {
    if (this.closedWith === null) this.chain.receiveEnd();
  }

  // ChainHost

  deliver(buf: Buffer): void {
    if (this.ended) this.violation = 'data delivered after end';
    this.output.push(Buffer.from(buf));
  }

  deliverEnd(): void {
    if (this.ended) this.violation = 'end delivered twice';
    this.ended = true;
  }

  dropped(bytes: number): void {
    this.droppedBytes += bytes;
  }

  closeConnection(mode: CloseMode): void {
    this.closedWith ??= mode;
    this.chain.dispose();
  }

  holdChanged(): void {
    this.holding = this.chain.holdCount > 0;
  }

  afterTimer(): void {}

  rngFor(toxic: ToxicSpec): Rng {
    return createRng(this.seed, toxic.name, this.direction);
  }

  fault(_toxic: ToxicSpec, kind: string): void {
    this.faults.push(kind);
  }
}
