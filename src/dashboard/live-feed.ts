/**
 * What the dashboard watches besides engine events, on one timer for every subscriber: a traffic
 * sample per interval (`traffic` event) and the list of scenario runs whenever it changes
 * (`scenarios` event). Each frame is serialized once and offered to every subscriber; a slow
 * subscriber drops frames (see SseWriter), it never holds the others back.
 * @module
 */
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { sseFrame, type SseWriter } from '../api/sse-writer.js';
import { TrafficSampler, trafficSampleJson } from './traffic.js';

/** What the feed needs from the server's scenario runs. */
export interface ScenarioLister {
  list(): unknown[];
}

/** Options for {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** Time between traffic samples (default 1000 ms). */
  intervalMs?: number;
  /** Samples kept for late subscribers (default 180). */
  keep?: number;
  /** The server's scenario runs, when it hosts them. */
  scenarios?: ScenarioLister | undefined;
}

/** The traffic and scenario feed of one server. */
export class LiveFeed {
  readonly intervalMs: number;
  readonly sampler: TrafficSampler;
  private readonly scenarios: ScenarioLister | undefined;
  private readonly subscribers = new Set<SseWriter>();
  private timer: NodeJS.Timeout | undefined;
  private scenariosText = '';

  constructor(registry: ProxyRegistry, options: LiveFeedOptions = {}) {
    this.intervalMs = Math.max(50, options.intervalMs ?? 1000);
    this.sampler = new TrafficSampler(registry, options.keep === undefined ? {} : { keep: options.keep });
    this.scenarios = options.scenarios;
  }

  /** Starts sampling; the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.sampler.sample();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Subscribers right now. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Adds a subscriber, sends it the current scenario list, and returns the function that removes it. */
  subscribe(client: SseWriter): () => void {
    this.subscribers.add(client);
    if (this.scenarios) client.send(sseFrame('scenarios', this.scenarioList()));
    return () => {
      this.subscribers.delete(client);
    };
  }

  /** One interval: a traffic sample for everyone, and the scenario list when it changed. */
  tick(): void {
    const sample = this.sampler.sample();
    if (this.subscribers.size === 0) return;
    const traffic = sseFrame('traffic', trafficSampleJson(sample, this.intervalMs));
    const before = this.scenariosText;
    const scenarios = this.scenarios ? this.scenarioList() : before;
    const changed = scenarios !== before ? sseFrame('scenarios', scenarios) : undefined;
    for (const client of this.subscribers) {
      client.send(traffic);
      if (changed) client.send(changed);
    }
  }

  private scenarioList(): string {
    this.scenariosText = JSON.stringify({ runs: this.scenarios?.list() ?? [] });
    return this.scenariosText;
  }
}
