/**
 * A count with its noun, singular or plural: `1 step`, `3 steps`, `1 proxy`, `2 proxies`.
 * @module
 */

/** `n` and `word`, with `plural` (default `word` + `s`) unless `n` is 1. */
export function counted(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}
