/**
 * `faultline inspect` (`i`, `ins`) `<proxyName>`: one proxy, its toxics and its live connections.
 * @module
 */
import { AdminClientError, type AdminClient, type ConnectionJson, type ProxyJson, type ToxicJson } from '../../api/client.js';
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
  const rows = toxics.map(
    (t) =>
      [
        { text: t.name, color: 'blue' },
        t.type,
        fixed2(t.toxicity),
        sortedAttributes(t.attributes)
          .map(([key, value]) => `${key}=${value}`)
          .join(' '),
      ] as const,
  );
  return title + renderTable(style, ['Name', 'Type', 'Toxicity', 'Attributes'], rows);
}

/**
 * One live connection for scripts, after the toxic lines (with `--connections`):
 * `connection<TAB>id=N<TAB>client=HOST:PORT<TAB>upstream=HOST:PORT<TAB>opened_at=ISO-8601<TAB>`
 * `bytes_upstream=N<TAB>bytes_downstream=N<TAB>toxics_upstream=a,b<TAB>toxics_downstream=c`.
 * Bytes are those delivered in each direction; toxic lists are the active toxics, comma-separated.
 */
export function formatConnectionLine(conn: ConnectionJson): string {
  return (
    `connection\tid=${conn.id}\tclient=${conn.client}\tupstream=${conn.upstream}\topened_at=${conn.opened_at}` +
    `\tbytes_upstream=${conn.bytes.upstream.sent}\tbytes_downstream=${conn.bytes.downstream.sent}` +
    `\ttoxics_upstream=${conn.toxics.upstream.join(',')}\ttoxics_downstream=${conn.toxics.downstream.join(',')}\n`
  );
}

/** The connections section of the terminal view; `null` when the server does not list connections. */
function connectionTable(style: OutputStyle, connections: readonly ConnectionJson[] | null): string {
  const title = `${paint(style, 'green', 'Connections:')}\n`;
  if (connections === null) return `${title}${paint(style, 'dim', 'This server does not list connections.')}\n`;
  if (connections.length === 0) return `${title}${paint(style, 'dim', 'No open connections.')}\n`;
  const toxics = (c: ConnectionJson): string =>
    [...c.toxics.upstream.map((t) => `${t}↑`), ...c.toxics.downstream.map((t) => `${t}↓`)].join(' ') || '-';
  const rows = connections.map(
    (c) =>
      [
        { text: String(c.id), color: 'blue' },
        c.client,
        c.upstream,
        c.opened_at,
        String(c.bytes.upstream.sent),
        String(c.bytes.downstream.sent),
        toxics(c),
      ] as const,
  );
  return title + renderTable(style, ['ID', 'Client', 'Upstream', 'Opened', 'Bytes up', 'Bytes down', 'Active toxics'], rows);
}

/**
 * A proxy as `inspect` shows it. For scripts: one {@link formatToxicLine} per toxic, upstream first,
 * as the API lists them (toxiproxy-cli's format), then, when `connections` is given, one
 * {@link formatConnectionLine} per connection. On a terminal: the proxy's addresses and state, a
 * table of toxics per direction, then the live connections (`undefined`: not fetched, `null`: the
 * server cannot list them).
 */
export function formatInspect(proxy: ProxyJson, style: OutputStyle, connections?: readonly ConnectionJson[] | null): string {
  if (!style.tty) return proxy.toxics.map(formatToxicLine).join('') + (connections ?? []).map(formatConnectionLine).join('');
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
    sections.push(
      `\n${toxicTable(
        style,
        proxy.toxics.filter((t) => !isUpstream(t)),
        'Downstream',
      )}`,
    );
  }
  if (connections !== undefined) sections.push(`\n${connectionTable(style, connections)}`);
  sections.push(hint(style, 'add a toxic with `faultline toxic add`'));
  return sections.join('');
}

/**
 * The proxy's connections for the terminal view; `null` when the server has no connections route
 * (a Toxiproxy server), so the view still shows the toxics.
 */
async function optionalConnections(client: AdminClient, name: string): Promise<ConnectionJson[] | null> {
  try {
    return await client.connections(name);
  } catch (err) {
    if (err instanceof AdminClientError && (err.status === 404 || err.status === 405) && err.code !== 'PROXY_NOT_FOUND') return null;
    throw err;
  }
}

const FLAGS = {
  connections: { type: 'boolean', description: 'also print a line per live connection after the toxic lines (scripts)' },
} as const;

/** The `inspect` command. */
export const inspectCommand: ClientCommand<typeof FLAGS> = {
  name: 'inspect',
  aliases: ['i', 'ins'],
  summary: "Show a proxy's toxics and live connections.",
  details:
    'Output: tables per direction and of live connections on a terminal; otherwise one tab-separated\n' +
    'line per toxic, as toxiproxy-cli prints them,\n' +
    '  name  type=…  stream=…  toxicity=1.00  attributes=[  key=value …  ]\n' +
    'and with --connections, after them, one line per live connection,\n' +
    '  connection  id=N  client=…  upstream=…  opened_at=…  bytes_upstream=N  bytes_downstream=N\n' +
    '  toxics_upstream=a,b  toxics_downstream=c',
  flags: FLAGS,
  args: ['proxyName'],
  async action({ client, io, args, values }) {
    const name = args[0] ?? '';
    const proxy = await attempt(`Failed to retrieve proxy ${name}`, () => client.proxy(name));
    const context = `Failed to retrieve connections of proxy ${name}`;
    let connections: ConnectionJson[] | null | undefined;
    if (values.connections === true) connections = await attempt(context, () => client.connections(name));
    else if (io.style.tty) connections = await attempt(context, () => optionalConnections(client, name));
    io.stdout(formatInspect(proxy, io.style, connections));
  },
};

/** Runs `faultline inspect`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(inspectCommand, argv, io);
}
