/**
 * `faultline list` (`l`, `li`, `ls`): every proxy, sorted by name.
 * @module
 */
import type { ProxyJson } from '../../api/client.js';
import { attempt, runCommand, type ClientCommand } from '../client-command.js';
import { compareNames, hint, paint, processIo, renderTable, type CliIo, type OutputStyle } from '../output.js';

/**
 * The proxies as toxiproxy-cli prints them. For scripts, one line per proxy:
 * `name<TAB>listen<TAB>upstream<TAB>enabled|disabled<TAB><number of toxics>`; on a terminal, a table.
 */
export function formatProxyList(proxies: readonly ProxyJson[], style: OutputStyle): string {
  const sorted = [...proxies].sort((a, b) => compareNames(a.name, b.name));
  const state = (p: ProxyJson): string => (p.enabled ? 'enabled' : 'disabled');
  if (!style.tty) {
    return sorted.map((p) => `${p.name}\t${p.listen}\t${p.upstream}\t${state(p)}\t${p.toxics.length}\n`).join('');
  }
  const header = ['Name', 'Listen', 'Upstream', 'Enabled', 'Toxics'];
  if (sorted.length === 0) {
    return `${renderTable(style, header, [])}${paint(style, 'red', 'no proxies')}\n${hint(style, 'create a proxy with `faultline create`')}`;
  }
  const rows = sorted.map((p) => {
    const color = p.enabled ? 'green' : 'red';
    return [
      { text: p.name, color },
      { text: p.listen, color: 'blue' },
      { text: p.upstream, color: 'yellow' },
      { text: state(p), color },
      p.toxics.length === 0 ? 'None' : String(p.toxics.length),
    ] as const;
  });
  return `${renderTable(style, header, rows)}${hint(style, 'inspect toxics with `faultline inspect <proxyName>`')}`;
}

/** The `list` command. */
export const listCommand: ClientCommand<Record<never, never>> = {
  name: 'list',
  aliases: ['l', 'li', 'ls'],
  summary: 'List every proxy: name, listen address, upstream, state and number of toxics.',
  details: 'Output: a table on a terminal; otherwise one tab-separated line per proxy,\n  name  listen  upstream  enabled|disabled  toxics',
  flags: {},
  args: [],
  async action({ client, io }) {
    const proxies = await attempt('Failed to retrieve proxies', () => client.proxies());
    io.stdout(formatProxyList(Object.values(proxies), io.style));
  },
};

/** Runs `faultline list`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(listCommand, argv, io);
}
