/**
 * Keeps the state file in step with the registry: every proxy or toxic change schedules a write of
 * the whole state. Writes never overlap, and changes made during one are folded into the next, so
 * the file always ends up holding the latest state.
 * @module
 */
import type { FaultlineEvent } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { FaultlineError } from '../errors.js';
import { snapshotOf } from './snapshot.js';
import { writeStateFile } from './state-file.js';

/** Events that change what the state file holds. */
function changesState(event: FaultlineEvent): boolean {
  return event.type.startsWith('proxy.') || event.type.startsWith('toxic.');
}

/** Writes the state file of one registry on every change. */
export class StatePersister {
  private dirty = false;
  private writing: Promise<void> | null = null;
  private detach: (() => void) | null = null;
  /** Writes done so far. */
  writes = 0;

  constructor(
    private readonly registry: ProxyRegistry,
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  /** Writes the current state at once (a failure throws STATE_INVALID, so startup can stop), then follows changes. */
  async start(): Promise<void> {
    try {
      await this.write();
    } catch (err) {
      throw new FaultlineError('STATE_INVALID', `state file ${this.path} cannot be written: ${(err as Error).message}`, { cause: err });
    }
    this.detach = this.registry.on((event) => {
      if (changesState(event)) this.schedule();
    });
  }

  /** Resolves once every change so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  /** Stops following changes (shutdown removes proxies; that must not be saved) and waits for the last write. */
  async close(): Promise<void> {
    this.detach?.();
    this.detach = null;
    await this.flush();
  }

  private schedule(): void {
    this.dirty = true;
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      // One API call can make several changes (a proxy created and started): save them together.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.dirty) {
        this.dirty = false;
        try {
          await this.write();
        } catch (err) {
          // The server keeps running; the next change tries again.
          this.logger.error({ err, state: this.path }, 'state file write failed');
        }
      }
    } finally {
      this.writing = null;
    }
  }

  private async write(): Promise<void> {
    const snapshot = snapshotOf(this.registry);
    await writeStateFile(this.path, `${JSON.stringify(snapshot, null, 2)}\n`);
    this.writes++;
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ state: this.path, proxies: snapshot.proxies.length }, 'state saved');
  }
}
