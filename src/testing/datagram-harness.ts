/**
 * Drives one direction's datagram pipeline on a fake clock, with a recording sink, for the datagram
 * toxics' unit tests.
 * @module
 */
import { FakeClock } from '../core/clock.js';
import type { Direction } from '../direction.js';
import { createRng } from '../core/rng.js';
import type { ToxicInput, ToxicPatch } from '../toxics/spec.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import type { DatagramFault, DatagramToxicDefinition } from '../udp/toxics/datagram-toxic.js';
import { applyDatagramToxicPatch, resolveDatagramToxic } from '../udp/datagram-spec.js';
import { DatagramPipeline } from '../udp/pipeline.js';

/** One datagram as the sink saw it. */
export interface Delivered {
  time: number;
  datagram: Buffer;
}

/** A pipeline whose sink records every datagram and when it left. */
export class DatagramHarness {
  readonly clock = new FakeClock();
  readonly output: Delivered[] = [];
  readonly counts: Record<DatagramFault, number> = { dropped: 0, duplicated: 0, reordered: 0, corrupted: 0 };
  readonly faults: Array<{ kind: string; toxic: string | null; detail?: Record<string, unknown> }> = [];
  readonly pipeline: DatagramPipeline;
  private readonly toxics = new Map<string, { spec: ToxicSpec; definition: DatagramToxicDefinition }>();

  constructor(
    readonly seed = 'test',
    readonly direction: Direction = 'downstream',
    maxHeldBytes = 1024 * 1024,
    /** The flow's number, part of every stream's seed. */
    readonly flow = 1,
  ) {
    this.pipeline = new DatagramPipeline(
      {
        clock: this.clock,
        maxHeldBytes,
        rngFor: (dir, toxic) => createRng(this.seed, 'relay', toxic.name, this.flow, dir),
        counted: (_dir, fault, toxic, kind) => {
          this.counts[fault]++;
          this.faults.push({ kind, toxic: toxic?.name ?? null });
        },
        faulted: (_dir, toxic, kind, detail) => this.faults.push({ kind, toxic: toxic.name, ...(detail ? { detail } : {}) }),
      },
      direction,
      (datagram) => this.output.push({ time: this.clock.now(), datagram }),
    );
  }

  add(input: ToxicInput): ToxicSpec {
    const { spec, definition } = resolveDatagramToxic({ stream: this.direction, ...input }, (name) => this.toxics.has(name));
    this.toxics.set(spec.name, { spec, definition });
    this.pipeline.add(spec, definition);
    return spec;
  }

  update(name: string, patch: ToxicPatch): ToxicSpec {
    const toxic = this.toxics.get(name);
    if (!toxic) throw new Error(`no toxic ${name}`);
    toxic.spec = applyDatagramToxicPatch(toxic.spec, toxic.definition, patch);
    this.pipeline.update(toxic.spec, toxic.definition);
    return toxic.spec;
  }

  remove(name: string): void {
    this.toxics.delete(name);
    this.pipeline.remove(name);
  }

  /** Sends datagrams numbered `from` … `from + count − 1` (4-byte big-endian payloads), `gapMs` apart. */
  sendNumbered(count: number, gapMs = 0, from = 0): void {
    for (let i = 0; i < count; i++) {
      const datagram = Buffer.alloc(4);
      datagram.writeUInt32BE(from + i);
      this.pipeline.push(datagram);
      if (gapMs > 0) this.clock.advance(gapMs);
    }
  }

  /** The numbers of the datagrams delivered, in delivery order. */
  get numbers(): number[] {
    return this.output.map((d) => d.datagram.readUInt32BE(0));
  }
}
