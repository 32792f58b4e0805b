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

/**
 * Largest config file read. Parsing YAML costs about 80 bytes of memory per input byte, so files
 * are refused by size before they are parsed; a config with hundreds of proxies is far smaller.
 */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Largest state file read. The server writes it as JSON, which is read as JSON (cheap); only a
 * file that fails to read back is parsed again as YAML, to say where it is wrong.
 */
export const MAX_STATE_FILE_BYTES = 32 * 1024 * 1024;

/** Largest scenario, as a file or as a `POST /scenarios` body. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
