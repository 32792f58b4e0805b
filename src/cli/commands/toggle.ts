/**
 * `faultline toggle` (`tog`) `<proxyName>`: enable a disabled proxy, or disable an enabled one.
 * @module
 */
import { attempt, runCommand, type ClientCommand } from '../client-command.js';
import { paint, processIo, type CliIo } from '../output.js';

/** The `toggle` command. */
export const toggleCommand: ClientCommand<Record<never, never>> = {
  name: 'toggle',
  aliases: ['tog'],
  summary: 'Enable a disabled proxy or disable an enabled one (disabling closes its connections).',
  flags: {},
  args: ['proxyName'],
  async action({ client, io, args }) {
    const name = args[0] ?? '';
    const proxy = await attempt(`Failed to retrieve proxy ${name}`, () => client.proxy(name));
    const updated = await attempt(`Failed to toggle proxy ${name}`, () => client.updateProxy(name, { enabled: !proxy.enabled }));
    const color = updated.enabled ? 'green' : 'red';
    const state = updated.enabled ? 'enabled' : 'disabled';
    io.stdout(`Proxy ${paint(io.style, color, name)} is now ${paint(io.style, color, state)}\n`);
  },
};

/** Runs `faultline toggle`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(toggleCommand, argv, io);
}
