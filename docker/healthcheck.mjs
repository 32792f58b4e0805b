// The image's HEALTHCHECK: exits 0 when the admin API answers GET /version on this machine, 1
// otherwise. It reaches the API the way the server was started: the port and bearer token come from
// the server's own command line (`--port 9000`, `-port=9000`, `--token T`, `-token=T`), else from
// FAULTLINE_PORT (default 8474) and FAULTLINE_TOKEN, the same precedence the server applies.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The command line of a process, or undefined when it cannot be read. */
function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

function netNamespace(pid) {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/**
 * The arguments of the Faultline server in this network namespace (the container's): the process
 * with the lowest PID running the CLI, which is PID 1, or tini's child under `docker run --init`.
 */
function serverArgs() {
  const ours = netNamespace('self');
  let pids = [];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const argv = commandLine(pid);
    const cli = argv?.findIndex((arg) => arg.endsWith('/dist/bin/main.js') || arg.endsWith('/dist/src/cli/main.js')) ?? -1;
    if (argv && cli >= 0 && netNamespace(pid) === ours) return argv.slice(cli + 1);
  }
  return [];
}

/** The value of a flag in any of Go's or Node's forms, the last one winning as in the server. */
function flagValue(args, name) {
  let value;
  for (let i = 0; i < args.length; i++) {
    const match = new RegExp(`^--?${name}(?:=(.*))?$`).exec(args[i]);
    if (!match) continue;
    value = match[1] ?? args[i + 1];
  }
  return value;
}

const args = serverArgs();
const port = flagValue(args, 'port') || process.env.FAULTLINE_PORT || '8474';
const token = flagValue(args, 'token') ?? process.env.FAULTLINE_TOKEN;
try {
  const response = await fetch(`http://127.0.0.1:${port}/version`, {
    headers: { 'user-agent': 'faultline-healthcheck', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: AbortSignal.timeout(4000),
  });
  process.exitCode = response.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
