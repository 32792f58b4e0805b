import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, fromToxiproxyLevel, isLogLevel } from './pino-logger.js';

function sink(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with the level, the message and child bindings, filtered by level', () => {
    const out = sink();
    const logger = createLogger({ level: 'info', destination: out.stream });
    logger.debug({ hidden: true }, 'not written');
    logger.child({ proxy: 'redis' }).info({ listen: '127.0.0.1:1' }, 'proxy started');
    expect(out.lines()).toEqual([expect.objectContaining({ level: 30, proxy: 'redis', listen: '127.0.0.1:1', msg: 'proxy started' })]);
    expect(logger.isLevelEnabled('debug')).toBe(false);
    expect(logger.isLevelEnabled('info')).toBe(true);
  });

  it('can be silent', () => {
    const out = sink();
    createLogger({ level: 'silent', destination: out.stream }).fatal({}, 'nothing');
    expect(out.lines()).toEqual([]);
  });
});

describe('log levels', () => {
  it("maps Toxiproxy's zerolog names", () => {
    expect(fromToxiproxyLevel('panic')).toBe('fatal');
    expect(fromToxiproxyLevel('INFO')).toBe('info');
    expect(fromToxiproxyLevel('disabled')).toBe('silent');
    expect(fromToxiproxyLevel('loud')).toBeUndefined();
    expect(isLogLevel('trace')).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
  });
});
