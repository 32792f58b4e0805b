/**
 * A server's scenario runs with the runner loaded when the first scenario arrives: its YAML parser,
 * schemas, probes and journal are not needed to start serving, and a server that never runs a
 * scenario never loads them.
 * @module
 */
import type { ScenarioDetail, ScenarioService, ScenarioServiceOptions, ScenarioSummary } from './service.js';

/** The same calls as {@link ScenarioService}, answered without loading it until a run starts. */
export class OnDemandScenarios {
  private service: Promise<ScenarioService> | undefined;
  private loaded: ScenarioService | undefined;

  constructor(private readonly options: ScenarioServiceOptions) {}

  /** Loads the runner (once), then validates and starts the scenario. */
  async start(text: string): Promise<ScenarioDetail> {
    return (await this.load()).start(text);
  }

  list(): ScenarioSummary[] {
    return this.loaded?.list() ?? [];
  }

  get(id: string): ScenarioDetail | undefined {
    return this.loaded?.get(id);
  }

  async abort(id: string): Promise<ScenarioDetail | undefined> {
    return (await this.service)?.abort(id);
  }

  /** Aborts the runs still going (if the runner was ever loaded) and waits for their rollbacks. */
  async close(): Promise<void> {
    await (await this.service)?.close();
  }

  private load(): Promise<ScenarioService> {
    this.service ??= import('./service.js').then(({ ScenarioService }) => (this.loaded = new ScenarioService(this.options)));
    return this.service;
  }
}
