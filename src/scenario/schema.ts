/**
 * The scenario file format: proxies, probes and a timeline of steps. The same zod schema validates
 * files (and API bodies) and generates the JSON Schema in `configs/schema/`. Durations are strings
 * with units and become milliseconds once parsed; cross-references (a step's proxy, overlapping
 * toxics, steps before 0) are checked when the timeline is resolved (`plan-checks.ts`).
 * Longer than 300 lines on purpose: the whole file format in one place, read top to bottom as the
 * reference the JSON Schema is generated from.
 * @module
 */
import { z } from 'zod';
import { tlsSchema } from '../tls/settings.js';
import { parseHostPort } from '../core/address.js';
import { headerName, headerValue, HTTP_TOKEN, namedRecord } from '../http/toxics/http-attributes.js';
import { streamField, toxicityField } from '../toxics/envelope-fields.js';
import { builtinDatagramToxics, builtinTlsToxics, builtinToxics } from '../toxics/registry.js';
import { MAX_NAME_LENGTH, MAX_SCENARIO_PROBES, MAX_SCENARIO_PROXIES, MAX_SCENARIO_STEPS, MAX_UDP_IDLE_TIMEOUT_MS } from '../limits.js';
import { bodyMatchProblem, MAX_MATCH_PATTERN } from './body-match.js';
import { DURATION_HINT, DURATION_PATTERN, OFFSET_PATTERN, parseDuration } from './duration.js';
import { withSampleTargetValues } from './target-variables.js';

/** The format version this code reads. */
export const SCENARIO_VERSION = 1;

/** The step kinds, each named by the key that holds its body. */
export const STEP_KINDS = ['toxic', 'action', 'ramp', 'monkey', 'wait', 'exec'] as const;
/** One step kind. */
export type StepKind = (typeof STEP_KINDS)[number];

/** When a probe is evaluated. */
export const PROBE_MODES = ['before', 'after', 'continuous', 'during'] as const;
/** One probe mode. */
export type ProbeMode = (typeof PROBE_MODES)[number];

/** The instant actions. */
export const ACTION_TYPES = ['disable', 'enable', 'reset', 'kill_connections', 'update_proxy', 'process'] as const;

/** The actions a monkey may draw, besides toxics. */
export const MONKEY_ACTIONS = ['disable', 'kill_connections', 'process'] as const;

/** The proxy protocols a scenario declares (the built-in ones). */
export const SCENARIO_PROTOCOLS = ['tcp', 'http', 'http2', 'udp'] as const;

/** What a `process` action does to its process. */
export const PROCESS_FAULTS = ['pause', 'kill'] as const;

function describeInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  return Array.isArray(input) ? 'a list' : typeof input === 'object' ? 'a mapping' : String(input);
}

function durationOf(signed: boolean, positive: boolean) {
  return z
    .string({ error: (issue) => `bad duration ${describeInput(issue.input)}: ${DURATION_HINT}` })
    .regex(new RegExp(signed ? OFFSET_PATTERN : DURATION_PATTERN), {
      error: (issue) => `bad duration ${describeInput(issue.input)}: ${DURATION_HINT}`,
    })
    .transform((text, ctx) => {
      const ms = parseDuration(text, signed) ?? Number.NaN;
      if (positive && !(ms > 0)) {
        ctx.addIssue({ code: 'custom', message: `bad duration "${text}": must be longer than 0` });
        return z.NEVER;
      }
      return ms;
    });
}

/** A duration longer than 0 (`250ms`, `5s`, `2m`), parsed to milliseconds. */
export const duration = durationOf(false, true).meta({ id: 'Duration', description: 'A number with a unit: 250ms, 5s, 1m30s, 2h.' });
/** A position on the time axis (`0s`, `90s`, `-2s` for `after`), parsed to milliseconds. */
export const offset = durationOf(true, false).meta({ id: 'Offset', description: 'A position on the time axis: 0s, 90s, -2s.' });

function hostPort(what: string) {
  return z.string().superRefine((value, ctx) => {
    try {
      // A proxy's address may hold target variables (`${TARGET_HOST}:6379`), resolved per target.
      const { host } = parseHostPort(withSampleTargetValues(value));
      if (host === '') ctx.addIssue({ code: 'custom', message: `${what}: missing host in "${value}"` });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${what}: ${(err as Error).message}` });
    }
  });
}

const name = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(MAX_NAME_LENGTH, { error: `longer than ${MAX_NAME_LENGTH} characters` })
  .meta({ id: 'Name' });

/** Structural view of a toxic definition: enough to build its branch of the schema. */
interface ToxicShape {
  readonly type: string;
  readonly layer?: string | undefined;
  readonly summary: string;
  readonly attributes: z.ZodObject;
}

/** Every toxic a scenario takes, grouped by wire type: one definition, or one per layer (`latency`: stream and datagram). */
const toxicsByType = new Map<string, ToxicShape[]>();
for (const definition of [...builtinToxics, ...builtinDatagramToxics, ...builtinTlsToxics] as unknown as ToxicShape[]) {
  toxicsByType.set(definition.type, [...(toxicsByType.get(definition.type) ?? []), definition]);
}

/**
 * The toxic types more than one layer defines (`latency`, `loss`, … on byte streams and on
 * datagrams): their attributes depend on the proxy's protocol, so they are checked against the
 * declared proxy (`plan-checks.ts`) rather than here.
 */
export const LAYERED_TOXIC_TYPES: ReadonlySet<string> = new Set([...toxicsByType].filter(([, d]) => d.length > 1).map(([type]) => type));

/** One strict attribute schema per toxic definition, shared by every envelope (the JSON Schema defines each once). */
const strictAttributes = new Map<ToxicShape, z.ZodObject>();

function attributesOf(definition: ToxicShape): z.ZodObject {
  let schema = strictAttributes.get(definition);
  if (!schema) {
    const id = definition.layer === 'datagram' ? `datagram_${definition.type}_attributes` : `${definition.type}_attributes`;
    schema = definition.attributes.strict().meta({ id });
    strictAttributes.set(definition, schema);
  }
  return schema;
}

/**
 * The attributes of a type layers share: editors see each layer's schema (`anyOf`); a file is
 * checked against the one of the proxy's protocol once the proxies are known, so here any mapping
 * passes.
 */
function layeredAttributes(definitions: readonly ToxicShape[]) {
  const [first, ...rest] = definitions.map(attributesOf) as [z.ZodObject, ...z.ZodObject[]];
  return z
    .union([first, ...rest])
    .catch((ctx) => ctx.value as z.output<typeof first>)
    .superRefine((value, ctx) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        ctx.addIssue({ code: 'custom', message: `expected a mapping, got ${describeInput(value)}` });
      }
    });
}

/** The toxic envelope of the API (`name`, `type`, `stream`, `toxicity`, `attributes`) plus `extra` fields. */
function toxicBranch<E extends z.ZodRawShape>(definitions: readonly ToxicShape[], extra: E) {
  const [definition] = definitions as [ToxicShape];
  const layered = definitions.length > 1;
  return z
    .strictObject({
      ...extra,
      name: name.optional().describe('Toxic name; default "<type>_<stream>". Unique per proxy while it is applied.'),
      type: z.literal(definition.type),
      stream: streamField(),
      toxicity: toxicityField(definitions.some((d) => d.layer === 'datagram') ? 'a connection (a flow, on udp proxies)' : 'a connection'),
      attributes: (layered ? layeredAttributes(definitions) : attributesOf(definition))
        .optional()
        .describe(
          layered
            ? "Attributes in the API units, as the proxy's protocol takes them (docs/toxics.md; docs/udp.md on udp proxies)."
            : 'Attributes in the API units (see docs/toxics.md).',
        ),
    })
    .describe(
      layered ? definitions.map((d) => `${d.layer === 'datagram' ? 'udp proxies: ' : ''}${d.summary}`).join(' / ') : definition.summary,
    );
}

function toxicUnion<E extends z.ZodRawShape>(extra: E) {
  const branches = [...toxicsByType.values()].map((definitions) => toxicBranch(definitions, extra));
  return z.discriminatedUnion('type', branches as unknown as [ReturnType<typeof toxicBranch<E>>, ...ReturnType<typeof toxicBranch<E>>[]]);
}

const proxyRef = name.describe('A proxy declared under `proxies`.');

/** A toxic in the API envelope, on one proxy. */
export const toxicStepBody = toxicUnion({ proxy: proxyRef });

/** A ramp: one attribute of a toxic moves from `from` to `to` over `over`, in `steps` updates. */
export const rampBody = toxicUnion({
  proxy: proxyRef,
  attribute: name.describe('The attribute that changes (a number, e.g. latency).'),
  from: z.number().describe('Value when the ramp starts.'),
  to: z.number().describe('Value when the ramp ends.'),
  over: duration.describe('How long the ramp takes.'),
  steps: z
    .number()
    .int()
    .min(1)
    .max(1_000)
    .optional()
    .describe('Updates after the first value (default: one per second of `over`, 1 to 100).'),
});

const weight = z.number().positive().default(1).describe('Relative chance of being picked (default 1).');

/** How `kill_connections` closes: politely (FIN) or with a TCP reset (RST). */
const closeMode = z
  .enum(['fin', 'rst'])
  .optional()
  .describe('fin (default): close politely; rst: send a TCP reset (Faultline servers; others close politely).');

/** A command: a list is run as is (program, then arguments); a string is run by /bin/sh -c. */
const command = z
  .union([z.string().min(1), z.array(z.string()).min(1)])
  .describe('A list is run as is (program, then arguments); a string is run by /bin/sh -c.');

/** Which process a `process` action signals: exactly one of `pid`, `pid_file`, `cmdline`. */
const processTarget = {
  pid: z.number().int().min(2).optional().describe('The process id.'),
  pid_file: z.string().min(1).max(4096).optional().describe('A file holding the process id, read when the fault starts.'),
  cmdline: command
    .optional()
    .describe(
      'The exact command line of the process (/proc/PID/cmdline): a string is its arguments joined by single spaces, a list its arguments. Exactly one process must match.',
    ),
};

/** Exactly one way of naming the process; `signal` only with `kill`; `for` where the fault allows it. */
function checkProcessFields(
  p: { fault: string; signal?: unknown; pid?: unknown; pid_file?: unknown; cmdline?: unknown },
  ctx: z.RefinementCtx,
): void {
  const ways = (['pid', 'pid_file', 'cmdline'] as const).filter((k) => p[k] !== undefined);
  if (ways.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        ways.length === 0
          ? 'a process action names its process with one of pid, pid_file or cmdline'
          : `name the process one way, not with ${ways.join(' and ')}`,
    });
  }
  if (p.fault === 'pause' && p.signal !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['signal'], message: 'pause sends SIGSTOP, then SIGCONT: signal is for kill' });
  }
}

/** A signal to a local process: `pause` (SIGSTOP, SIGCONT at the end) or `kill` (SIGTERM or SIGKILL). */
const processFields = {
  fault: z
    .enum(PROCESS_FAULTS)
    .describe('pause: SIGSTOP, then SIGCONT at the end of `for` (always, also on rollback); kill: send `signal`.'),
  signal: z.enum(['SIGTERM', 'SIGKILL']).optional().describe('For kill: SIGTERM (default) or SIGKILL.'),
  ...processTarget,
};

/** One toxic a monkey may pick: a toxic envelope held `for` a duration, picked with `weight`. */
export const monkeyToxicFault = toxicUnion({
  for: duration.describe('How long each injection of this fault lasts (cut short at the end of the monkey).'),
  weight,
});

/** One action a monkey may pick, named by `action`; `disable` and a `pause` are held `for` a duration. */
export const monkeyActionFault = z.discriminatedUnion('action', [
  z
    .strictObject({ action: z.literal('disable'), for: duration.describe('How long the proxy stays down.'), weight })
    .describe('Take the proxy down (stop listening, close every connection), then enable it.'),
  z.strictObject({ action: z.literal('kill_connections'), close: closeMode, weight }).describe('Close every open connection of the proxy.'),
  z
    .strictObject({
      action: z.literal('process'),
      ...processFields,
      for: duration.optional().describe('For pause: how long the process stays stopped.'),
      weight,
    })
    .superRefine((p, ctx) => {
      checkProcessFields(p, ctx);
      if (p.fault === 'pause' && p.for === undefined)
        ctx.addIssue({ code: 'custom', path: ['for'], message: 'a pause needs for: how long the process stays stopped' });
      if (p.fault === 'kill' && p.for !== undefined)
        ctx.addIssue({ code: 'custom', path: ['for'], message: 'a kill is instant: for is for pause' });
    })
    .describe('Pause or kill a process on the machine that runs the scenario (faultline run FILE only).'),
]);

/** One fault a monkey may pick: a toxic (`type`) or an action (`action`). */
export const monkeyFault = z.union([monkeyToxicFault, monkeyActionFault]);

/** Random faults at random intervals on random proxies of the blast radius. */
export const monkeyBody = z.strictObject({
  proxies: z.array(proxyRef).min(1).describe('The blast radius: proxies the monkey may hit.'),
  interval: z.strictObject({ min: duration, max: duration }).describe('Time between two injections, drawn uniformly from [min, max].'),
  faults: z.array(monkeyFault).min(1).describe('The faults to draw from.'),
});

const proxyPatchFields = {
  listen: hostPort('listen').optional(),
  upstream: hostPort('upstream').optional(),
  enabled: z.boolean().optional(),
};

/** An instant action on a proxy. */
export const actionBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('disable'), proxy: proxyRef }).describe('Stop listening and close every connection.'),
  z.strictObject({ type: z.literal('enable'), proxy: proxyRef }).describe('Listen again.'),
  z.strictObject({ type: z.literal('reset'), proxy: proxyRef }).describe('Remove every toxic of the proxy.'),
  z
    .strictObject({ type: z.literal('kill_connections'), proxy: proxyRef, close: closeMode })
    .describe('Close every open connection (the proxy is disabled and enabled again at once).'),
  z.strictObject({ type: z.literal('update_proxy'), proxy: proxyRef, ...proxyPatchFields }).describe('Change listen, upstream or enabled.'),
  z
    .strictObject({ type: z.literal('process'), ...processFields })
    .superRefine(checkProcessFields)
    .describe('Pause or kill a process on the machine that runs the scenario (faultline run FILE only).'),
]);

/** A command run on the machine that runs the scenario, and the command that undoes it. */
export const execBody = z.strictObject({
  command,
  rollback: command.optional().describe('Run at revert: at the end of `for`, else in the rollback; also when `command` failed.'),
  timeout: duration.prefault('30s').describe('Each command is killed (with its process group) after this long.'),
});

const stepTiming = {
  name: name.optional().describe('A label for the journal and the live view.'),
  at: offset.optional().describe('Start, from the beginning of the run (`0s`, `1m30s`).'),
  after: offset.optional().describe('Start, from the end of the previous step (default `0s`); may be negative to overlap it.'),
};

const holdFor = duration.optional().describe('Hold the fault this long, as a server-side lease; without it, until the end of the run.');

/** A toxic step. */
export const toxicStep = z.strictObject({ ...stepTiming, toxic: toxicStepBody, for: holdFor });
/** An action step. */
export const actionStep = z.strictObject({
  ...stepTiming,
  action: actionBody,
  for: duration.optional().describe('disable and process pause only: enable / resume after this long (else in the rollback).'),
});
/** A ramp step. */
export const rampStep = z.strictObject({
  ...stepTiming,
  ramp: rampBody,
  for: duration
    .optional()
    .describe('Hold the toxic this long from the ramp start (at least `over`), as a lease; without it, until the end of the run.'),
});
/** A monkey step. */
export const monkeyStep = z.strictObject({ ...stepTiming, monkey: monkeyBody, for: duration.describe('How long the monkey runs.') });
/** A wait step. */
export const waitStep = z.strictObject({ ...stepTiming, wait: duration.describe('Time that passes before the next `after` step.') });
/** An exec step. */
export const execStep = z.strictObject({
  ...stepTiming,
  exec: execBody,
  for: duration.optional().describe('Run the rollback command after this long (else in the rollback).'),
});

/** Once valid, a step is tagged with its kind, so code tells kinds apart with one `switch (step.kind)`. */
function tagged<K extends StepKind, T extends z.ZodType<object>>(kind: K, schema: T) {
  return schema.transform((s) => ({ kind, ...s }));
}

/** The step schemas, in {@link STEP_KINDS} order (the loader relies on it to explain a bad step). */
export const stepBranches = [
  tagged('toxic', toxicStep),
  tagged('action', actionStep),
  tagged('ramp', rampStep),
  tagged('monkey', monkeyStep),
  tagged('wait', waitStep),
  tagged('exec', execStep),
] as const;

/** One step: exactly one of `toxic`, `action`, `ramp`, `monkey`, `wait`, `exec`; parsed, it has the matching `kind`. */
export const step = z.union(stepBranches);

/** How a probe checks health: an HTTP request. */
export const httpCheck = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z
    .string()
    .regex(HTTP_TOKEN, { error: (issue) => `invalid HTTP method ${JSON.stringify(issue.input)}: a method is a token such as GET or POST` })
    .default('GET'),
  headers: namedRecord(headerName(), headerValue()).optional(),
  body: z.string().optional().describe('Request body.'),
  status: z
    .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
    .optional()
    .describe('Expected status code(s); default any 2xx.'),
  match: z
    .string()
    .superRefine((pattern, ctx) => {
      const problem = bodyMatchProblem(pattern);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe(
      `Regular expression (RE2 syntax, at most ${MAX_MATCH_PATTERN} characters) that the first 64 KiB of the response body must contain a match of.`,
    ),
  timeout: duration.prefault('5s'),
});

/** How a probe checks health: a TCP connect. */
export const tcpCheck = z.strictObject({
  address: hostPort('address').describe('host:port to connect to.'),
  timeout: duration.prefault('2s'),
});

/** How a probe checks health: a command that must exit 0. */
export const execCheck = z.strictObject({
  command: z
    .union([z.string().min(1), z.array(z.string()).min(1)])
    .describe('A list is run as is (program, then arguments); a string is run by /bin/sh -c.'),
  timeout: duration.prefault('30s'),
});

/** A probe: one check, when it runs, and what a failure means. */
export const probe = z
  .strictObject({
    name,
    http: httpCheck.optional(),
    tcp: tcpCheck.optional(),
    exec: execCheck.optional(),
    mode: z
      .enum(PROBE_MODES)
      .default('continuous')
      .describe('before / after the run, continuous during it, or during only while a fault is active.'),
    interval: duration.prefault('1s').describe('Time between two checks (and between retries in before/after).'),
    fail_after: z.number().int().min(1).default(1).describe('Consecutive failed checks that make the probe fail.'),
    abort_on_failure: z.boolean().default(false).describe('Stop the run (and roll back) as soon as the probe fails.'),
  })
  .superRefine((p, ctx) => {
    const kinds = (['http', 'tcp', 'exec'] as const).filter((k) => p[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: kinds.length === 0 ? 'a probe needs one of http, tcp or exec' : `a probe has one check, not ${kinds.join(' and ')}`,
      });
    }
  });

/** A proxy the scenario uses: created for the run unless it exists. */
export const scenarioProxy = z
  .strictObject({
    name,
    listen: hostPort('listen')
      .optional()
      .describe('host:port to listen on when the proxy is created (default 127.0.0.1:0); may read the TARGET_* variables.'),
    upstream: hostPort('upstream')
      .optional()
      .describe('host:port of the service; needed when the proxy does not exist yet; may read the TARGET_* variables.'),
    protocol: z
      .enum(SCENARIO_PROTOCOLS)
      .optional()
      .describe(
        'Proxy protocol (default tcp; http for HTTP toxics; http2 for HTTP/2 and gRPC; udp for datagrams and datagram toxics). Toxics are checked against it, so give it for a proxy that exists too.',
      ),
    udp_idle_timeout: z
      .number()
      .int()
      .min(1)
      .max(MAX_UDP_IDLE_TIMEOUT_MS)
      .optional()
      .describe('udp proxies, when created: ms a flow may go without a datagram either way before it ends (default 60000).'),
    tls: tlsSchema.optional().describe('TLS when the proxy is created: terminate (listen), originate (upstream), or both (docs/tls.md).'),
    keep: z.boolean().default(false).describe('Keep a proxy created by the run once it ends.'),
  })
  .superRefine((proxy, ctx) => {
    if (proxy.protocol === 'udp' && proxy.tls !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls works on tcp, http and http2 proxies only, not on udp ones' });
    }
    if (proxy.protocol !== 'udp' && proxy.udp_idle_timeout !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['udp_idle_timeout'], message: 'udp_idle_timeout is for udp proxies: set protocol: udp' });
    }
  });

/** A scenario file. */
export const scenarioSchema = z
  .strictObject({
    version: z.literal(SCENARIO_VERSION, { error: `expected version: ${SCENARIO_VERSION}` }),
    name,
    description: z.string().max(4096, { error: 'longer than 4096 characters' }).optional(),
    seed: z
      .union([z.number().int(), z.string().min(1)])
      .optional()
      .describe('Seed for monkeys (and an embedded server); random when missing, and recorded in the journal.'),
    proxies: z
      .array(scenarioProxy)
      .max(MAX_SCENARIO_PROXIES, { error: `at most ${MAX_SCENARIO_PROXIES} proxies` })
      .default([]),
    probes: z
      .array(probe)
      .max(MAX_SCENARIO_PROBES, { error: `at most ${MAX_SCENARIO_PROBES} probes` })
      .default([]),
    steps: z
      .array(step)
      .min(1, { error: 'a scenario needs at least one step' })
      .max(MAX_SCENARIO_STEPS, { error: `at most ${MAX_SCENARIO_STEPS} steps` }),
    rollback: z
      .enum(['always', 'never'])
      .default('always')
      .describe('always: revert every fault and remove created proxies at the end, whatever happens.'),
  })
  .describe('A Faultline scenario: a timeline of faults with probes, rolled back at the end.');

/** A parsed scenario (durations in milliseconds). */
export type Scenario = z.infer<typeof scenarioSchema>;
/** A parsed step, tagged with its `kind`. */
export type Step = z.infer<typeof step>;
/** A parsed step of one kind. */
export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;
/** A parsed probe. */
export type Probe = z.infer<typeof probe>;
/** A toxic step's envelope. */
export type ToxicStepBody = z.infer<typeof toxicStepBody>;
/** A parsed action. */
export type Action = z.infer<typeof actionBody>;
/** A parsed ramp. */
export type Ramp = z.infer<typeof rampBody>;
/** A parsed monkey. */
export type Monkey = z.infer<typeof monkeyBody>;
/** One fault of a monkey. */
export type MonkeyFaultSpec = z.infer<typeof monkeyFault>;
/** One action fault of a monkey. */
export type MonkeyActionSpec = z.infer<typeof monkeyActionFault>;
/** A parsed `process` action. */
export type ProcessAction = Extract<Action, { type: 'process' }>;
/** A parsed exec step's body. */
export type ExecBody = z.infer<typeof execBody>;
/** A declared proxy. */
export type ScenarioProxy = z.infer<typeof scenarioProxy>;
