/**
 * How much one client may make the server hold or do. Every size and count a client controls is
 * bounded here, in one place, so docs/operations.md ("Security") can list them and tests can reach
 * them. Limits are checked on every path that creates things: the API, config files, state files
 * and scenarios.
 * @module
 */

/**
 * Toxics per proxy and direction. Each chunk passes every stage of its direction in turn, and
 * every stage costs its direction per-chunk work and memory: a hundred stages already make a
 * chain far longer than any fault needs (a game day stacks a handful), while staying far below
 * where a long chain costs the data path and the stack (thousands of stages).
 */
export const MAX_TOXICS_PER_DIRECTION = 100;
