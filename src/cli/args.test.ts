import { describe, expect, it } from 'vitest';
import { flagHelp, normalizeArgs, parseCommandArgs, UsageError, type FlagSpecs } from './args.js';

const flags = {
  type: { type: 'string', short: 't', description: 'type' },
  toxicName: { type: 'string', short: 'n', description: 'name' },
  toxicity: { type: 'string', aliases: ['tox'], description: 'toxicity' },
  attribute: { type: 'string', short: 'a', multiple: true, description: 'attribute' },
  upstream: { type: 'boolean', short: 'u', description: 'upstream' },
  downstream: { type: 'boolean', short: 'd', description: 'downstream' },
  host: { type: 'string', short: 'h', description: 'host' },
  help: { type: 'boolean', description: 'help' },
} as const satisfies FlagSpecs;

describe('parseCommandArgs', () => {
  it("reads toxiproxy-cli's flags before the positional argument", () => {
    const { values, positionals } = parseCommandArgs(
      ['-t', 'latency', '-n', 'lag', '--tox', '0.5', '-a', 'latency=100', '-a', 'jitter=5', '-u', 'redis'],
      flags,
    );
    expect(values).toEqual({ type: 'latency', toxicName: 'lag', toxicity: '0.5', attribute: ['latency=100', 'jitter=5'], upstream: true });
    expect(positionals).toEqual(['redis']);
  });

  it('reads flags after the positional argument too', () => {
    const { values, positionals } = parseCommandArgs(['redis', '--type', 'latency', '--downstream'], flags);
    expect(values).toEqual({ type: 'latency', downstream: true });
    expect(positionals).toEqual(['redis']);
  });

  it("takes Go's spellings: single-dash long names, -x=value, --x for a short letter, --flag=false", () => {
    const { values } = parseCommandArgs(
      ['-toxicName', 'a', '-tox=0.2', '-t=latency', '--a', 'k=v', '--upstream=false', '--downstream=true'],
      flags,
    );
    expect(values).toEqual({ toxicName: 'a', toxicity: '0.2', type: 'latency', attribute: ['k=v'], downstream: true });
  });

  it('keeps short groups and values attached to a short flag', () => {
    expect(parseCommandArgs(['-ud'], flags).values).toEqual({ upstream: true, downstream: true });
    expect(parseCommandArgs(['-tlatency'], flags).values).toEqual({ type: 'latency' });
  });

  it('takes the next token as the value even when it starts with a dash', () => {
    expect(parseCommandArgs(['-a', 'latency=-5', '-n', '-odd-'], flags).values).toEqual({ attribute: ['latency=-5'], toxicName: '-odd-' });
  });

  it('treats everything after -- as positional', () => {
    expect(parseCommandArgs(['--', '-u', '--help'], flags).positionals).toEqual(['-u', '--help']);
  });

  it('reads -h as --host, and a trailing bare -h as --help', () => {
    expect(parseCommandArgs(['-h', 'http://x:1', 'p'], flags).values).toEqual({ host: 'http://x:1' });
    expect(parseCommandArgs(['p', '-h'], flags).values).toEqual({ help: true });
  });

  it('lists the canonical names of the flags used', () => {
    expect([...parseCommandArgs(['--tox', '1', '-a', 'x=1', 'p'], flags).used].sort()).toEqual(['attribute', 'toxicity']);
  });

  it.each([
    [['--bogus'], 'unknown flag --bogus'],
    [['-bogus'], 'unknown flag -bogus'],
    [['-x'], 'unknown flag -x'],
    [['-t'], 'flag --type needs a value'],
    [['-t', '-u'], 'flag --type needs a value'],
    [['--upstream=maybe'], 'flag --upstream takes no value (got "maybe")'],
  ])('rejects %j with %j', (argv, message) => {
    expect(() => parseCommandArgs(argv, flags)).toThrow(new UsageError(message));
  });

  it('reports parse errors parseArgs finds as a UsageError', () => {
    expect(() => parseCommandArgs(['-ux'], flags)).toThrow(UsageError);
  });
});

describe('normalizeArgs', () => {
  it('rewrites every spelling into --name[=value]', () => {
    expect(normalizeArgs(['-toxicName', 'a', '--n=b', '-tox', '1', 'p'], flags)).toEqual([
      '--toxicName=a',
      '--toxicName=b',
      '--toxicity=1',
      'p',
    ]);
  });
});

describe('flagHelp', () => {
  it('aligns short forms, aliases and placeholders', () => {
    const lines = flagHelp({
      listen: { type: 'string', short: 'l', placeholder: 'ADDR', description: 'listen address' },
      toxicity: { type: 'string', aliases: ['tox'], placeholder: 'P', description: 'probability' },
      help: { type: 'boolean', description: 'show help' },
    });
    expect(lines).toEqual([
      '  -l, --listen ADDR         listen address',
      '      --toxicity, --tox P   probability',
      '      --help                show help',
    ]);
  });
});
