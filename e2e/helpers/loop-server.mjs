// A Faultline server (the built one) alone in a process, with its event loop watched by
// perf_hooks.monitorEventLoopDelay. Commands on stdin, one a line: `reset` starts a measurement,
// `max` prints the longest stall since then in ms, `proxies N` creates N disabled proxies,
// `yardstick` prints the median time in ms this process takes to JSON.parse a 1 MiB body. Prints
// `ready <url>` once the API listens. Used by e2e/event-loop.test.ts, so that what is measured is
// the server's own loop, without the test's client work or its heap.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startServer } from '../../dist/src/server.js';

const server = await startServer({ port: 0 });
let histogram = monitorEventLoopDelay({ resolution: 5 });
// The largest body the API accepts (1 MiB), as a populate request would send it.
const MIB_BODY = (() => {
  const items = [];
  let text = '[]';
  for (let i = 0; text.length < 1 << 20; i++) {
    items.push({ name: `proxy-${i}`, listen: '127.0.0.1:0', upstream: `upstream-${i}.internal:5432`, enabled: false });
    if (i % 100 === 0) text = JSON.stringify(items);
  }
  return text;
})();
const say = (line) => process.stdout.write(`${line}\n`);

createInterface({ input: process.stdin }).on('line', async (line) => {
  const [command, arg] = line.trim().split(' ');
  if (command === 'reset') {
    histogram.disable();
    histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    say('ok');
  } else if (command === 'max') {
    say(`max ${Math.round(histogram.max / 1e6)}`);
  } else if (command === 'yardstick') {
    const times = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      JSON.parse(MIB_BODY);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    say(`yardstick ${times[3].toFixed(2)}`);
  } else if (command === 'proxies') {
    for (let i = server.registry.list().length; i < Number(arg); i++) {
      await server.registry.create({
        name: `proxy-${String(i).padStart(4, '0')}`,
        listen: '127.0.0.1:0',
        upstream: `upstream-${i}.internal:5432`,
        enabled: false,
      });
    }
    say('ok');
  } else if (command === 'close') {
    await server.close();
    say('closed');
    process.exit(0);
  }
});
process.stdin.on('end', () => process.exit(0));
say(`ready ${server.url}`);
