/**
 * The shape of a CLI command. `main.ts` lists every command once, loading its module only when it
 * runs, so `faultline list` never loads the server.
 * @module
 */

/** What a command module exports. */
export interface CommandModule {
  /**
   * Runs the command with the arguments around its name (global flags before it included) and
   * resolves to the process exit code.
   */
  run(argv: string[]): Promise<number>;
}

/** One entry of the command table. */
export interface CommandEntry {
  /** One line for `faultline --help`. */
  summary: string;
  /** Other names for the command (toxiproxy-cli's `ls`, `i`, …). */
  aliases?: readonly string[];
  load(): Promise<CommandModule>;
}
