/**
 * The datagram toxics of one flow and direction, in the order they were added. A datagram enters
 * the first active stage; each stage forwards to the next, and the last one to the sink. Toxicity is
 * rolled once per (flow, direction, toxic) from the toxic's seeded stream, whose later draws are the
 * stage's own. Changes apply between two datagrams, so they are atomic.
 * @module
 */
import { StageTimer, type Clock } from '../core/clock.js';
import type { Direction } from '../direction.js';
import type { Rng } from '../core/rng.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import type { DatagramContext, DatagramFault, DatagramStage, DatagramToxicDefinition } from './toxics/datagram-toxic.js';

/** What a pipeline needs from its flow. */
export interface PipelineHost {
  readonly clock: Clock;
  /** Bytes the stages of one direction may hold; a datagram that would pass it is dropped. */
  readonly maxHeldBytes: number;
  /** The seeded stream of `toxic` on this flow and direction; its first draw is the toxicity roll. */
  rngFor(direction: Direction, toxic: ToxicSpec): Rng;
  /** A stage (or the pipeline, with `toxic` null) injected a fault. */
  counted(direction: Direction, fault: DatagramFault, toxic: ToxicSpec | null, kind: string): void;
  /** A stage changed state (a partition began or healed). */
  faulted(direction: Direction, toxic: ToxicSpec, kind: string, detail?: Record<string, unknown>): void;
}

interface Slot {
  spec: ToxicSpec;
  definition: DatagramToxicDefinition;
  /** Position in the pipeline; kept current on every change. */
  index: number;
  /** The first draw of the toxic's stream: the stage is active while it is below the toxicity. */
  roll: number;
  rng: Rng;
  stage: DatagramStage | null;
  timer: StageTimer | null;
}

/** The toxics of one direction of one flow. */
export class DatagramPipeline {
  private slots: Slot[] = [];

  constructor(
    private readonly host: PipelineHost,
    readonly direction: Direction,
    private readonly sink: (datagram: Buffer) => void,
  ) {}

  /** True when no toxic is attached: datagrams go straight to the sink. */
  get empty(): boolean {
    return this.slots.length === 0;
  }

  /** Bytes held by every stage. */
  get heldBytes(): number {
    let held = 0;
    for (const slot of this.slots) if (slot.stage) held += slot.stage.heldBytes;
    return held;
  }

  /** Names of the toxics active here (their toxicity roll said yes). */
  activeToxics(): string[] {
    return this.slots.filter((s) => s.stage !== null).map((s) => s.spec.name);
  }

  /** A datagram from the source. */
  push(datagram: Buffer): void {
    if (this.slots.length === 0) this.sink(datagram);
    else this.enter(0, datagram);
  }

  add(spec: ToxicSpec, definition: DatagramToxicDefinition): void {
    const rng = this.host.rngFor(this.direction, spec);
    const slot: Slot = { spec, definition, index: this.slots.length, roll: rng.next(), rng, stage: null, timer: null };
    this.slots.push(slot);
    if (slot.roll < spec.toxicity) this.activate(slot);
  }

  update(spec: ToxicSpec, definition: DatagramToxicDefinition): void {
    const slot = this.slots.find((s) => s.spec.name === spec.name);
    if (!slot) return;
    slot.spec = spec;
    const active = slot.roll < spec.toxicity;
    if (!active) {
      this.deactivate(slot);
    } else if (!slot.stage) {
      this.activate(slot);
    } else if (slot.stage.update && slot.definition === definition) {
      slot.stage.update(spec.attributes);
    } else {
      this.deactivate(slot);
      slot.definition = definition;
      this.activate(slot);
    }
  }

  remove(name: string): void {
    const slot = this.slots.find((s) => s.spec.name === name);
    if (!slot) return;
    this.deactivate(slot);
    this.slots.splice(slot.index, 1);
    this.slots.forEach((s, i) => {
      s.index = i;
    });
  }

  /** Drops everything held and stops every timer (the flow is gone). */
  close(): void {
    for (const slot of this.slots) {
      slot.timer?.close();
      slot.stage?.dispose();
      slot.stage = null;
    }
    this.slots = [];
  }

  /** Hands a datagram to the first active stage at or after `index`, or to the sink. */
  private enter(index: number, datagram: Buffer): void {
    for (let i = index; i < this.slots.length; i++) {
      const stage = (this.slots[i] as Slot).stage;
      if (!stage) continue;
      if (this.heldBytes + datagram.length > this.host.maxHeldBytes) {
        this.host.counted(this.direction, 'dropped', null, 'held_limit');
        return;
      }
      stage.onDatagram(datagram);
      return;
    }
    this.sink(datagram);
  }

  private activate(slot: Slot): void {
    const host = this.host;
    const direction = this.direction;
    const timer = new StageTimer(host.clock, () => slot.stage?.onTimer?.());
    const ctx: DatagramContext = {
      forward: (datagram) => this.enter(slot.index + 1, datagram),
      count: (fault, kind) => host.counted(direction, fault, slot.spec, kind),
      fault: (kind, detail) => host.faulted(direction, slot.spec, kind, detail),
      now: () => host.clock.now(),
      random: () => slot.rng.next(),
      timer,
      direction,
    };
    slot.timer = timer;
    slot.stage = slot.definition.create(slot.spec.attributes, ctx) as DatagramStage;
  }

  /** Forwards what the stage holds, tells it it left, and releases it. */
  private deactivate(slot: Slot): void {
    const stage = slot.stage;
    if (!stage) return;
    stage.flush();
    stage.onRemove?.();
    stage.dispose();
    slot.timer?.close();
    slot.stage = null;
    slot.timer = null;
  }
}
