/**
 * The HTTP toxics of one proxy, each as its one object: what the HTTP and HTTP/2 gateways run per
 * message. Updates apply in place when the toxic can, otherwise it is made again.
 * @module
 */
import { StageTimer } from '../core/clock.js';
import type { ProtocolRuntime, ProxyToxic } from '../core/protocol.js';
import type { Direction } from '../direction.js';
import type { AttachedHttpToxic } from './toxic-pass.js';
import type { HttpToxic, HttpToxicContext, HttpToxicDefinition } from './toxics/http-types.js';

/** An HTTP toxic on the proxy: its one object, and the proxy's toxic (whose `spec` an update replaces). */
class HeldHttpToxic implements AttachedHttpToxic {
  constructor(
    readonly toxic: ProxyToxic,
    public http: HttpToxic,
  ) {}

  get spec() {
    return this.toxic.spec;
  }
}

/** A proxy's toxics that speak the HTTP toxic contract, in the order they were added. */
export class HeldHttpToxics {
  private readonly held: HeldHttpToxic[] = [];

  constructor(private readonly runtime: ProtocolRuntime) {}

  /** The toxics of a stream, in the order they were added (read per message). */
  of(direction: Direction): readonly AttachedHttpToxic[] {
    if (this.held.length === 0) return this.held;
    return this.held.filter((t) => t.spec.direction === direction);
  }

  /** Every toxic, in the order they were added. */
  all(): readonly AttachedHttpToxic[] {
    return this.held;
  }

  add(toxic: ProxyToxic): void {
    this.held.push(new HeldHttpToxic(toxic, this.create(toxic)));
  }

  update(toxic: ProxyToxic): void {
    const held = this.held.find((t) => t.toxic === toxic);
    if (!held) return;
    // In place when the toxic can (clock_skew keeps its clock); otherwise recreated.
    if (held.http.update) held.http.update(toxic.spec.attributes);
    else {
      held.http.dispose();
      held.http = this.create(toxic);
    }
  }

  remove(toxic: ProxyToxic): void {
    const index = this.held.findIndex((t) => t.toxic === toxic);
    const held = this.held[index];
    if (!held) return;
    this.held.splice(index, 1);
    held.http.dispose();
  }

  /** An HTTP toxic's one object for this proxy. */
  private create(toxic: ProxyToxic): HttpToxic {
    const clock = this.runtime.clock;
    const context: HttpToxicContext = {
      now: () => clock.now(),
      wallNow: () => this.runtime.wallClock(),
      timer: (onFire) => new StageTimer(clock, onFire),
    };
    return (toxic.definition as HttpToxicDefinition).create(toxic.spec.attributes, context);
  }
}
