/**
 * The ordered toxic stages of one direction of one live connection. Chain changes are synchronous:
 * JavaScript runs one event at a time, so an add, update or remove between two events is atomic and
 * never waits on I/O. Bytes pass from stage to stage by direct calls while the chain is short; past
 * {@link MAX_NESTED_HANDOFFS} nested hand-offs they wait in a queue the outermost call works off, so
 * the stack never grows with the number of stages.
 *
 * Longer than 300 lines because the chain, its stage contexts and the hand-off queue share one
 * invariant (bytes leave in order, exactly once, also while the chain changes): apart, each would
 * reach into the others' state.
 * @module
 */
import type { CloseMode, StageContext, ToxicDefinition, ToxicSpec, ToxicStage } from './toxic-contract.js';
import type { Clock } from './clock.js';
import { StageTimer } from './clock.js';
import type { Direction } from '../direction.js';
import type { Rng } from './rng.js';

/**
 * Hand-offs nested on the stack before the next one is queued instead. Each costs a few frames
 * (push, receive, the stage's onChunk); short chains never reach the queue.
 */
export const MAX_NESTED_HANDOFFS = 32;

/** What a chain needs from the link that owns it. */
export interface ChainHost {
  readonly clock: Clock;
  readonly direction: Direction;
  /** Writes bytes that left the last stage to the destination socket. */
  deliver(buf: Buffer): void;
  /** Ends the destination socket (FIN) once every stage has forwarded end-of-stream. */
  deliverEnd(): void;
  /** Counts bytes a destructive stage discarded. */
  dropped(bytes: number, toxic: ToxicSpec): void;
  /** A stage asked to close the whole connection. */
  closeConnection(mode: CloseMode, toxic: ToxicSpec): void;
  /** The number of stages holding the source changed. */
  holdChanged(): void;
  /** A stage timer fired: held bytes may have moved. */
  afterTimer(): void;
  /** The seeded stream for one toxic on this connection and direction. */
  rngFor(toxic: ToxicSpec): Rng;
  /** An injected fault happened. */
  fault(toxic: ToxicSpec, kind: string, detail?: Record<string, unknown>): void;
}

/** One toxic's place in a chain; it is also the stage's context. */
class Slot implements StageContext {
  next: Slot | null = null;
  stage: ToxicStage | null = null;
  inputEnded = false;
  endForwarded = false;
  holding = false;
  disposed = false;
  readonly timer: StageTimer;
  private readonly rng: Rng;
  /** The toxicity roll, drawn once: the toxic is active while `roll < toxicity`. */
  private readonly roll: number;

  constructor(
    private readonly chain: Chain,
    public spec: ToxicSpec,
    public definition: ToxicDefinition,
  ) {
    this.timer = new StageTimer(chain.host.clock, this.onTimer);
    this.rng = chain.host.rngFor(spec);
    this.roll = this.rng.next();
  }

  get direction(): Direction {
    return this.chain.host.direction;
  }

  get active(): boolean {
    return this.roll < this.spec.toxicity;
  }

  /** Creates the stage when the roll says this toxic is active here. */
  activate(): void {
    if (this.active && !this.stage) this.stage = this.definition.create(this.spec.attributes, this);
  }

  receive(buf: Buffer): void {
    if (this.stage) this.stage.onChunk(buf);
    else this.push(buf);
  }

  receiveEnd(): void {
    this.inputEnded = true;
    if (this.stage) this.stage.onEnd();
    else this.end();
  }

  // StageContext

  push(buf: Buffer): void {
    if (this.disposed || buf.length === 0) return;
    this.chain.handOff(this.next, buf);
  }

  end(): void {
    if (this.disposed || this.endForwarded) return;
    this.endForwarded = true;
    this.chain.handOff(this.next, null);
  }

  drop(bytes: number): void {
    if (bytes > 0) this.chain.host.dropped(bytes, this.spec);
  }

  now(): number {
    return this.chain.host.clock.now();
  }

  random(): number {
    return this.rng.next();
  }

  hold(on: boolean): void {
    if (this.disposed || this.holding === on) return;
    this.holding = on;
    this.chain.holdCount += on ? 1 : -1;
    this.chain.host.holdChanged();
  }

  close(mode: CloseMode): void {
    if (!this.disposed) this.chain.host.closeConnection(mode, this.spec);
  }

  fault(kind: string, detail?: Record<string, unknown>): void {
    this.chain.host.fault(this.spec, kind, detail);
  }

  // lifecycle

  /**
   * Pushes what the stage holds, then a pending end-of-stream, and drops the stage. A stage leaving
   * the connection (removed, or deactivated by a toxicity change) gets `onRemove` first; one merely
   * replaced by an update does not.
   */
  retireStage(why: 'leaving' | 'replaced'): void {
    const stage = this.stage;
    if (!stage) return;
    stage.flush();
    if (this.inputEnded && !this.endForwarded) this.end();
    if (why === 'leaving') stage.onRemove?.();
    this.stage = null;
    stage.dispose();
    this.timer.cancel();
    this.hold(false);
  }

  dispose(): void {
    if (this.disposed) return;
    this.stage?.dispose();
    this.stage = null;
    this.timer.close();
    this.hold(false);
    this.disposed = true;
  }

  private readonly onTimer = (): void => {
    if (!this.stage?.onTimer) return;
    this.stage.onTimer();
    this.chain.host.afterTimer();
  };
}

/** The stages of one direction of one connection, in the order their toxics were added. */
export class Chain {
  private head: Slot | null = null;
  private tail: Slot | null = null;
  private readonly slots = new Map<string, Slot>();
  /** True once the source's end reached the chain. */
  private inputEnded = false;
  /** Stages currently holding the source. */
  holdCount = 0;
  /** Hand-offs on the stack right now. */
  private depth = 0;
  /** Hand-offs waiting their turn, in order: where each goes (null: the destination) and what (null: the end). */
  private readonly waitingTo: Array<Slot | null> = [];
  private readonly waitingItem: Array<Buffer | null> = [];
  private waitingHead = 0;

  constructor(readonly host: ChainHost) {}

  /** No toxic is attached (so the link can write straight through). */
  get isEmpty(): boolean {
    return this.head === null;
  }

  /** Bytes held by every stage. */
  get heldBytes(): number {
    let total = 0;
    for (let s = this.head; s; s = s.next) if (s.stage) total += s.stage.heldBytes;
    return total;
  }

  /** The names of toxics whose stage is active on this link. */
  activeToxics(): string[] {
    const names: string[] = [];
    for (let s = this.head; s; s = s.next) if (s.stage) names.push(s.spec.name);
    return names;
  }

  receive(buf: Buffer): void {
    this.handOff(this.head, buf);
  }

  receiveEnd(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.handOff(this.head, null);
  }

  /**
   * Hands bytes (or the end, `null`) to a slot, or past the last one to the destination (`to` null).
   * Called directly unless hand-offs are already nested {@link MAX_NESTED_HANDOFFS} deep or others
   * wait: then it waits too, behind them, so every slot still sees its input in order.
   */
  handOff(to: Slot | null, item: Buffer | null): void {
    if (this.depth >= MAX_NESTED_HANDOFFS || this.waitingHead < this.waitingTo.length) {
      this.waitingTo.push(to);
      this.waitingItem.push(item);
      return;
    }
    this.depth++;
    try {
      // The same as dispatch(), written out: this is the path every chunk takes, and the call costs.
      if (to !== null) {
        if (item !== null) to.receive(item);
        else to.receiveEnd();
      } else if (item !== null) this.host.deliver(item);
      else this.host.deliverEnd();
    } finally {
      this.depth--;
    }
    if (this.depth === 0 && this.waitingTo.length > 0) this.workOffWaiting();
  }

  private dispatch(to: Slot | null, item: Buffer | null): void {
    if (to) {
      if (item) to.receive(item);
      else to.receiveEnd();
    } else if (item) this.host.deliver(item);
    else this.host.deliverEnd();
  }

  /** Runs the waiting hand-offs in order, those they queue included (from the outermost call only). */
  private workOffWaiting(): void {
    this.depth++;
    try {
      while (this.waitingHead < this.waitingTo.length) {
        const i = this.waitingHead++;
        this.dispatch(this.waitingTo[i] ?? null, this.waitingItem[i] ?? null);
      }
    } finally {
      this.depth--;
      this.waitingTo.length = 0;
      this.waitingItem.length = 0;
      this.waitingHead = 0;
    }
  }

  /** Appends a toxic at the end of the chain. */
  add(spec: ToxicSpec, definition: ToxicDefinition): void {
    const slot = new Slot(this, spec, definition);
    const before = this.tail;
    // A new last stage sees the end-of-stream only if the stage before it has not passed it on yet.
    const upstreamEnded = before ? before.endForwarded : this.inputEnded;
    if (upstreamEnded) {
      slot.inputEnded = true;
      slot.endForwarded = true;
    }
    this.slots.set(spec.name, slot);
    if (before) before.next = slot;
    else this.head = slot;
    this.tail = slot;
    slot.activate();
  }

  /** Applies new attributes or toxicity in place. */
  update(spec: ToxicSpec, definition: ToxicDefinition): void {
    const slot = this.slots.get(spec.name);
    if (!slot) return;
    const typeChanged = slot.definition !== definition;
    slot.spec = spec;
    slot.definition = definition;
    if (!slot.active) {
      slot.retireStage('leaving');
      return;
    }
    const stage = slot.stage;
    if (stage && !typeChanged && stage.update) {
      stage.update(spec.attributes);
      return;
    }
    if (stage) slot.retireStage('replaced');
    slot.activate();
  }

  /** Removes a toxic: flushes what it holds onward, then disposes it. */
  remove(name: string): void {
    const slot = this.slots.get(name);
    if (!slot) return;
    // Unlink first: the removed slot keeps its `next`, so its flush still flows onward, and a stage
    // that closes the connection on removal finds a consistent chain.
    let prev: Slot | null = null;
    for (let s = this.head; s && s !== slot; s = s.next) prev = s;
    if (prev) prev.next = slot.next;
    else this.head = slot.next;
    if (this.tail === slot) this.tail = prev;
    this.slots.delete(name);
    slot.retireStage('leaving');
    if (slot.inputEnded && !slot.endForwarded) slot.end();
    slot.dispose();
  }

  /** Disposes every stage without flushing (the connection is going away). */
  dispose(): void {
    for (let s = this.head; s; s = s.next) s.dispose();
    this.head = null;
    this.tail = null;
    this.slots.clear();
    this.holdCount = 0;
  }
}
