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

/*
 * A scenario's journal is served whole by `GET /scenarios/{id}`: its steps, faults and probe results
 * are bounded so that writing it stays a matter of milliseconds.
 */

/** Steps of one scenario. */
export const MAX_SCENARIO_STEPS = 1_000;
/** Faults one scenario applies over its run, monkey injections included. */
export const MAX_SCENARIO_FAULTS = 5_000;
/** Attribute updates all the ramps of one scenario make. */
export const MAX_SCENARIO_RAMP_UPDATES = 20_000;
/** Probes of one scenario: each one checks on its own schedule for the whole run. */
export const MAX_SCENARIO_PROBES = 20;
/** Results a journal keeps per probe; later ones are only counted. */
export const MAX_PROBE_RESULTS = 1_000;
/** Proxies one scenario declares. */
export const MAX_SCENARIO_PROXIES = 100;

/**
 * Proxies per server. Every proxy is a listener, and `/metrics` and `GET /proxies` walk them all;
 * five hundred keeps each of those walks to milliseconds, far beyond what a test setup or a game
 * day needs.
 */
export const MAX_PROXIES = 500;

/** The longest `udp_idle_timeout` a udp proxy may have: a day, in ms. */
export const MAX_UDP_IDLE_TIMEOUT_MS = 86_400_000;

/**
 * Characters in a name: of a proxy, a toxic, a scenario and its steps, probes and proxies. A name
 * is part of every request path that addresses it, so it must fit in a request head with room to
 * spare, escaped (up to nine bytes a character).
 */
export const MAX_NAME_LENGTH = 256;

/**
 * Bytes of the plan a scenario resolves to. Ramps and monkeys copy a toxic's attributes into every
 * update and injection, so a plan can be far larger than its scenario; it is what the run and its
 * journal hold, and what `GET /scenarios/{id}` writes.
 */
export const MAX_SCENARIO_PLAN_BYTES = 512 * 1024;

/**
 * Targets of one `faultline run` (URLs given, lines of a `--targets` file, and every address
 * discovery finds, together): each gets the run's changes and its own requests.
 */
export const MAX_FLEET_TARGETS = 256;
/** Bytes of a `--targets` file. */
export const MAX_TARGETS_FILE_BYTES = 64 * 1024;
