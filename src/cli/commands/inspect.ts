/**
 * `faultline inspect` (`i`, `ins`) `<proxyName>`: one proxy and its toxics.
 * @module
 */
import type { ProxyJson, ToxicJson } from '../../api/client.js';
import { attempt, runCommand, type ClientCommand } from '../client-command.js';
import { fixed2, hint, paint, processIo, renderTable, sortedAttributes, type CliIo, type OutputStyle } from '../output.js';

/**
 * One toxic as toxiproxy-cli prints it for scripts:
 * `name<TAB>type=…<TAB>stream=…<TAB>toxicity=1.00<TAB>attributes=[<TAB>key=value…<TAB>]`,
 * attributes sorted by key.
 */
export function formatToxicLine(toxic: ToxicJson): string {
  const attributes = sortedAttributes(toxic.attributes)
    .map(([key, value]) => `\t${key}=${value}`)
    .join('');
  return `${toxic.name}\ttype=${toxic.type}\tstream=${toxic.stream}\ttoxicity=${fixed2(toxic.toxicity)}\tattributes=[${attributes}\t]\n`;
}

function isUpstream(toxic: ToxicJson): boolean {
  // The server echoes the stream as it was sent (`UPSTREAM` stays upper case) but matches it case-insensitively.
  return toxic.stream.toLowerCase() === 'upstream';
}

function toxicTable(style: OutputStyle, toxics: readonly ToxicJson[], stream: string): string {
  const title = `${paint(style, 'green', `${stream} toxics:`)}\n`;
  if (toxics.length === 0) return `${title}${paint(style, 'red', `Proxy has no ${stream} toxics enabled.`)}\n`;
  const rows = toxics.map((t) => [
    { text: t.name, color: 'blue' },
    t.type,
    fixed2(t.toxicity),
    sortedAttributes(t.attributes)
      .map(([key, value]) => `${key}=${value}`)
      .join(' '),
  ] as const);
  return title + renderTable(style, ['Name', 'Type', 'Toxicity', 'Attributes'], rows);
}

/**
 * A proxy as `inspect` shows it. For scripts: one {@link formatToxicLine} per toxic, upstream first,
 * as the API lists them, and nothing else (toxiproxy-cli's format). On a terminal: the proxy's
 * addresses and state, then a table of toxics per direction.
 */
export function formatInspect(proxy: ProxyJson, style: OutputStyle): string {
  if (!style.tty) return proxy.toxics.map(formatToxicLine).join('');
  // Sections in display order; each stands alone, so more views of the proxy can be appended.
  const sections: string[] = [];
  const state = proxy.enabled ? paint(style, 'green', 'enabled') : paint(style, 'red', 'disabled');
  sections.push(
    `${paint(style, 'magenta', 'Name:')} ${proxy.name}  ${paint(style, 'blue', 'Listen:')} ${proxy.listen}  ` +
      `${paint(style, 'yellow', 'Upstream:')} ${proxy.upstream}  State: ${state}\n${'='.repeat(70)}\n`,
  );
  if (proxy.toxics.length === 0) {
    sections.push(`${paint(style, 'red', 'Proxy has no toxics enabled.')}\n`);
  } else {
    sections.push(toxicTable(style, proxy.toxics.filter(isUpstream), 'Upstream'));
    sections.push(`\n${toxicTable(style, proxy.toxics.filter((t) => !isUpstream(t)), 'Downstream')}`);
  }
  sections.push(hint(style, 'add a toxic with `faultline toxic add`'));
  return sections.join('');
}

/** The `inspect` command. */
export const inspectCommand: ClientCommand<Record<never, never>> = {
  name: 'inspect',
  aliases: ['i', 'ins'],
  summary: "Show a proxy's toxics.",
  details:
    'Output: a table per direction on a terminal; otherwise one tab-separated line per toxic,\n' +
    '  name  type=…  stream=…  toxicity=1.00  attributes=[  key=value …  ]',
  flags: {},
  args: ['proxyName'],
  async action({ client, io, args }) {
    const name = args[0] ?? '';
    const proxy = await attempt(`Failed to retrieve proxy ${name}`, () => client.proxy(name));
    io.stdout(formatInspect(proxy, io.style));
  },
};

/** Runs `faultline inspect`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(inspectCommand, argv, io);
}
