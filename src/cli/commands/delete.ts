/**
 * `faultline delete` (`d`) `<proxyName>`: stop a proxy, close its connections and forget it.
 * @module
 */
import { attempt, runCommand, type ClientCommand } from '../client-command.js';
import { processIo, type CliIo } from '../output.js';

/** The `delete` command. */
export const deleteCommand: ClientCommand<Record<never, never>> = {
  name: 'delete',
  aliases: ['d'],
  summary: 'Delete a proxy: stop listening, close its connections, drop its toxics.',
  flags: {},
  args: ['proxyName'],
  async action({ client, io, args }) {
    const name = args[0] ?? '';
    await attempt(`Failed to delete proxy ${name}`, () => client.deleteProxy(name));
    io.stdout(`Deleted proxy ${name}\n`);
  },
};

/** Runs `faultline delete`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(deleteCommand, argv, io);
}
