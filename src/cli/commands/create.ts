/**
 * `faultline create` (`c`, `new`) `--listen ADDR --upstream ADDR <proxyName>`.
 * @module
 */
import { UsageError } from '../args.js';
import { attempt, runCommand, type ClientCommand } from '../client-command.js';
import { processIo, type CliIo } from '../output.js';
import { tlsFlags, tlsFromFlags } from '../tls-flags.js';

const flags = {
  listen: {
    type: 'string',
    short: 'l',
    placeholder: 'ADDR',
    description: 'address the proxy listens on (host:port; port 0 picks a free one)',
  },
  upstream: { type: 'string', short: 'u', placeholder: 'ADDR', description: 'address the proxy forwards to (host:port)' },
  protocol: { type: 'string', placeholder: 'tcp|http|http2', description: 'tcp (the default), http for HTTP toxics, or http2 (h2c, gRPC)' },
  ...tlsFlags,
} as const;

/** The `create` command. */
export const createCommand: ClientCommand<typeof flags> = {
  name: 'create',
  aliases: ['c', 'new'],
  summary: 'Create a proxy and start it listening.',
  details:
    'Examples:\n  faultline create --listen 127.0.0.1:26379 --upstream 127.0.0.1:6379 redis\n  faultline create --listen 127.0.0.1:28080 --upstream 127.0.0.1:8080 --protocol http api',
  flags,
  args: ['proxyName'],
  async action({ client, io, args, values }) {
    const name = args[0] ?? '';
    const listen = values.listen?.trim() ?? '';
    const upstream = values.upstream?.trim() ?? '';
    if (listen === '') throw new UsageError('--listen ADDR is required');
    if (upstream === '') throw new UsageError('--upstream ADDR is required');
    const protocol = values.protocol?.trim();
    if (protocol !== undefined && protocol !== 'tcp' && protocol !== 'http' && protocol !== 'http2') {
      throw new UsageError(`--protocol must be tcp, http or http2, got ${JSON.stringify(protocol)}`);
    }
    const tls = tlsFromFlags(values);
    const proxy = await attempt('Failed to create proxy', () =>
      client.createProxy({ name, listen, upstream, ...(protocol === undefined ? {} : { protocol }), ...(tls ? { tls } : {}) }),
    );
    // People see where it ended up (a port 0 becomes a real one); scripts get toxiproxy-cli's line.
    const where = io.style.tty ? ` (${proxy.listen} → ${proxy.upstream})` : '';
    io.stdout(`Created new proxy ${name}${where}\n`);
  },
};

/** Runs `faultline create`. */
export function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(createCommand, argv, io);
}
