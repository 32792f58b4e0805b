/**
 * The config file schema: server settings, engine settings, and proxies with their toxics. The
 * same zod schema validates files at startup and generates the JSON Schema in `configs/schema/`.
 * Toxiproxy's config format (a JSON array of proxies) is the `proxies` list on its own.
 * Longer than 300 lines: the whole file format is one schema, so the checks and the generated JSON
 * Schema cannot drift apart.
 * @module
 */
import { z } from 'zod';
import { parseHostPort } from '../core/address.js';
import { builtinProtocols, PROTOCOLS } from '../protocols.js';
import { MAX_NAME_LENGTH, MAX_PROXIES, MAX_TOXICS_PER_DIRECTION, MAX_UDP_IDLE_TIMEOUT_MS } from '../limits.js';
import { LOG_LEVELS } from '../logging/pino-logger.js';
import { streamField, toxicityField } from '../toxics/envelope-fields.js';
import { ToxicRegistry } from '../toxics/registry.js';
import { tlsSchema } from '../tls/settings.js';
import { TLS_LAYER } from '../tls/toxics/tls-layer.js';
import { once, type AnyToxicDefinition, type ToxicLookup } from '../core/toxic-contract.js';

/** The default admin API address: loopback only, so nothing outside the machine can reach it. */
export const DEFAULT_HOST = '127.0.0.1';
/** Toxiproxy's API port. */
export const DEFAULT_PORT = 8474;
/** The default request body cap: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

function hostPort(what: string, allowEmpty: boolean) {
  return z.string({ error: (issue) => `expected ${what} as a "host:port" string, got ${typeof issue.input}` }).superRefine((value, ctx) => {
    if (allowEmpty && value === '') return;
    try {
      const { host } = parseHostPort(value);
      if (!allowEmpty && host === '') ctx.addIssue({ code: 'custom', message: `missing host in "${value}"` });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
}

/** A whole number, with a message that says so when the value is text (as flags and env arrive). */
const whole = () =>
  z
    .number({
      error: (issue) => (issue.code === 'invalid_type' ? `expected a whole number, got ${JSON.stringify(issue.input)}` : undefined),
    })
    .int();

const count = (unit: string) => whole().min(0).max(Number.MAX_SAFE_INTEGER).describe(unit);

function toxicSchema(definition: AnyToxicDefinition) {
  const http = definition.layer === 'http' || definition.layer === 'http2';
  // One schema however often zod reads the field (each copy of the object schema reads it once).
  const attributes = once(() => definition.attributes.strict().optional());
  return z
    .object({
      name: z.string().min(1).max(MAX_NAME_LENGTH).optional().describe('Unique per proxy; default "<type>_<stream>".'),
      type: z.literal(definition.type),
      stream: streamField(),
      toxicity: toxicityField(http ? 'a request' : 'a connection'),
      // Read when the toxic union is first used: a config without toxics builds no attribute schema.
      get attributes() {
        return attributes();
      },
    })
    .strict()
    .describe(definition.summary);
}

/**
 * One toxic of a type that layers share (`latency` on streams and on datagrams): its attributes
 * depend on the proxy's protocol, so they are checked when the proxy takes the toxic.
 */
function sharedTypeSchema(definitions: readonly AnyToxicDefinition[]) {
  const first = definitions[0] as AnyToxicDefinition;
  const layers = definitions.map((d) => d.layer ?? 'stream').join(', ');
  return toxicSchema(first)
    .extend({ attributes: z.record(z.string(), z.unknown()).optional() })
    .describe(
      `${definitions.map((d) => d.summary).join(' / ')} (one type per layer: ${layers}; attributes as the proxy's protocol takes them)`,
    );
}

/** One toxic in a config file; `type` picks the attribute schema. */
function toxicConfigSchemaOf(toxics: ToxicLookup) {
  const byType = new Map<string, AnyToxicDefinition[]>();
  for (const definition of toxics.definitions) byType.set(definition.type, [...(byType.get(definition.type) ?? []), definition]);
  const branches = [...byType.values()].map((group) =>
    group.length === 1 ? toxicSchema(group[0] as AnyToxicDefinition) : sharedTypeSchema(group),
  );
  return z.discriminatedUnion('type', branches as unknown as [ReturnType<typeof toxicSchema>, ...ReturnType<typeof toxicSchema>[]]);
}

/** The protocols that take a toxic layer, by title (`TCP or HTTP`), and the first one's name. */
function takersOf(layer: string): { titles: string; name: string } {
  const takers = builtinProtocols.filter((p) => p.layers.includes(layer));
  return { titles: takers.map((p) => p.title).join(' or '), name: takers[0]?.name ?? layer };
}

/** The toxic layers of a proxy in a config file: its protocol's, and TLS faults when it terminates TLS. */
function layersOf(proxy: { protocol?: string; tls?: { listen?: unknown } | undefined }): readonly string[] {
  const layers = builtinProtocols.find((p) => p.name === (proxy.protocol ?? 'tcp'))?.layers ?? [];
  return proxy.tls?.listen && layers.includes('stream') ? [...layers, TLS_LAYER] : layers;
}

/** One proxy in a config file; `toxicConfig` is called when a proxy's toxics are first checked. */
function proxyConfigSchemaOf(toxics: ToxicLookup, toxicConfig: () => ReturnType<typeof toxicConfigSchemaOf>) {
  const toxicList = once(() =>
    z.array(toxicConfig()).default([]).describe(`Toxics applied at startup, in order (at most ${MAX_TOXICS_PER_DIRECTION} per direction).`),
  );
  return (
    z
      .object({
        name: z.string().min(1).max(MAX_NAME_LENGTH).describe('Unique proxy name.'),
        listen: hostPort('listen', true)
          .optional()
          .describe(
            "host:port to listen on; port 0 picks a free port. Empty or missing (or an empty host): the admin API's host, a free port. A non-loopback address needs server.allow_remote_listen.",
          ),
        upstream: hostPort('upstream', false).describe('host:port of the service behind the proxy.'),
        enabled: z.boolean().default(true).describe('Listen at startup.'),
        protocol: z
          .enum(PROTOCOLS)
          .default('tcp')
          .describe(
            'tcp (a byte stream, the default), http (HTTP/1.1, parsed; takes HTTP toxics too), http2 (HTTP/2 and gRPC over h2c; HTTP toxics per stream and HTTP/2 toxics) or udp (datagrams, a flow per client; takes datagram toxics only).',
          ),
        udp_idle_timeout: whole()
          .min(1)
          .max(MAX_UDP_IDLE_TIMEOUT_MS)
          .optional()
          .describe('udp proxies: ms a flow may go without a datagram either way before it ends (default 60000).'),
        tls: tlsSchema.optional(),
        get toxics() {
          return toxicList();
        },
      })
      .strict()
      .superRefine((proxy, ctx) => {
        if (proxy.tls !== undefined && !builtinProtocols.find((p) => p.name === proxy.protocol)?.layers.includes('stream')) {
          ctx.addIssue({
            code: 'custom',
            path: ['tls'],
            message: `tls works on tcp, http and http2 proxies only; proxy "${proxy.name}" has protocol ${proxy.protocol}`,
          });
        }
        const seen = new Set<string>();
        const perDirection = { upstream: 0, downstream: 0 };
        proxy.toxics.forEach((toxic, i) => {
          if (++perDirection[toxic.stream] === MAX_TOXICS_PER_DIRECTION + 1) {
            ctx.addIssue({
              code: 'custom',
              path: ['toxics', i],
              message: `more than ${MAX_TOXICS_PER_DIRECTION} ${toxic.stream} toxics on proxy "${proxy.name}" (the most one direction may have)`,
            });
          }
          const name = toxic.name ?? `${toxic.type}_${toxic.stream}`;
          if (seen.has(name)) {
            ctx.addIssue({
              code: 'custom',
              path: ['toxics', i, 'name'],
              message: `toxic name "${name}" is used twice on proxy "${proxy.name}"`,
            });
          }
          seen.add(name);
          const layers = layersOf(proxy);
          const definition = toxics.get(toxic.type, layers);
          const layer = definition ? (definition.layer ?? 'stream') : undefined;
          if (layer === TLS_LAYER && !layers.includes(layer)) {
            ctx.addIssue({
              code: 'custom',
              path: ['toxics', i, 'type'],
              message: `toxic type "${toxic.type}" works on proxies that terminate TLS only: set tls.listen on proxy "${proxy.name}"`,
            });
          } else if (layer !== undefined && !layers.includes(layer)) {
            const takers = takersOf(layer);
            ctx.addIssue({
              code: 'custom',
              path: ['toxics', i, 'type'],
              message:
                layer === 'http'
                  ? `toxic type "${toxic.type}" works on ${takers.titles} proxies only: set protocol: ${takers.name} on proxy "${proxy.name}"`
                  : `toxic type "${toxic.type}" works on ${takers.titles} proxies only; proxy "${proxy.name}" has protocol ${proxy.protocol}`,
            });
          }
        });
      })
      // Run even when other parts of the proxy have issues, so every problem of the file is reported.
      .superRefine((proxy, ctx) => checkSharedAttributes(toxics, proxy, ctx), { when: () => true })
      .transform((proxy) => {
        const shared = sharedTypes(toxics);
        if (!proxy.toxics.some((t) => shared.has(t.type))) return proxy;
        const layers = builtinProtocols.find((p) => p.name === proxy.protocol)?.layers ?? [];
        // The attributes with their defaults, as every other toxic's are after parsing.
        const filled = proxy.toxics.map((t) => {
          const definition = shared.has(t.type) ? toxics.get(t.type, layers) : undefined;
          return definition ? { ...t, attributes: definition.attributes.parse(t.attributes ?? {}) as Record<string, unknown> } : t;
        });
        return { ...proxy, toxics: filled };
      })
  );
}

/**
 * The attributes of toxics whose type layers share (`latency`, …) are those of the proxy's layer:
 * checked here, where the protocol is known. The value may be partly invalid (other issues).
 */
function checkSharedAttributes(toxics: ToxicLookup, proxy: { protocol?: unknown; toxics?: unknown }, ctx: z.RefinementCtx): void {
  if (!Array.isArray(proxy.toxics)) return;
  const shared = sharedTypes(toxics);
  const layers = builtinProtocols.find((p) => p.name === (proxy.protocol ?? 'tcp'))?.layers ?? [];
  proxy.toxics.forEach((toxic: unknown, i) => {
    const { type, attributes } = (toxic ?? {}) as { type?: unknown; attributes?: unknown };
    if (typeof type !== 'string' || !shared.has(type)) return;
    const definition = toxics.get(type, layers);
    if (!definition || !layers.includes(definition.layer ?? 'stream')) return;
    const parsed = definition.attributes.strict().safeParse(attributes ?? {});
    for (const issue of parsed.error?.issues ?? []) {
      ctx.addIssue({ ...issue, path: ['toxics', i, 'attributes', ...issue.path] } as Parameters<typeof ctx.addIssue>[0]);
    }
  });
}

/** The wire types more than one layer defines (`latency`, `loss`, …). */
function sharedTypes(toxics: ToxicLookup): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const definition of toxics.definitions) {
    if (seen.has(definition.type)) shared.add(definition.type);
    seen.add(definition.type);
  }
  return shared;
}

/** The admin API server. */
export const serverConfigSchema = z
  .object({
    host: z.string().min(1).default(DEFAULT_HOST).describe('Admin API bind address (default 127.0.0.1: this machine only).'),
    port: whole().min(0).max(65535).default(DEFAULT_PORT).describe('Admin API port; 0 picks a free one.'),
    token: z.string().min(1).optional().describe('When set, every API request needs "Authorization: Bearer <token>".'),
    log_level: z.enum(LOG_LEVELS).default('info'),
    metrics: z.boolean().default(true).describe('Serve Prometheus metrics on /metrics.'),
    runtime_metrics: z.boolean().default(true).describe('Include Node.js process metrics in /metrics.'),
    body_limit: z
      .number()
      .int()
      .min(1)
      .max(64 * 1024 * 1024)
      .default(DEFAULT_BODY_LIMIT)
      .describe('Largest request body, in bytes.'),
    state: z
      .string()
      .min(1)
      .optional()
      .describe(
        'State file: proxies and toxics are saved there (atomically) on every change and restored from it at startup, instead of the proxies of this file.',
      ),
    dashboard: z.boolean().default(true).describe('Serve the web dashboard at /ui/ on the admin API.'),
    allowed_hosts: z
      .array(z.string().min(1).max(253))
      .max(100)
      .default([])
      .describe(
        'Host names a browser may use to reach the API besides IP addresses and localhost (DNS-rebinding guard); ".example.com" allows every name under example.com.',
      ),
    allow_remote_listen: z
      .boolean()
      .default(false)
      .describe('Let proxies listen on addresses other machines can reach (0.0.0.0, a LAN address); loopback only by default.'),
    allow_shared_state_dir: z
      .boolean()
      .default(false)
      .describe('Accept a state file in a directory other users can write (they could plant a link there); refused by default.'),
  })
  .strict();

/** Engine settings shared by every proxy. */
export const engineConfigSchema = z
  .object({
    seed: z
      .union([z.string().min(1), z.number().int()])
      .optional()
      .describe('Seed for every random decision (toxicity, jitter, …); random when unset.'),
    max_held_bytes: count('bytes')
      .optional()
      .describe('Bytes one direction of a connection may hold before it stops reading (default 1 MiB).'),
    dial_timeout_ms: count('ms').optional().describe('Upstream connect timeout; 0 waits for the OS (default 10000).'),
    close_grace_ms: count('ms').optional().describe('How long a closing socket may linger (default 2000).'),
    max_connections: count('connections').optional().describe('Connections per proxy; 0 = unlimited (default).'),
    socket_high_water_mark: count('bytes').optional().describe('Socket buffer size (default 64 KiB).'),
  })
  .strict();

/** A whole config file in Faultline's format. */
function configSchemaOf(proxy: () => ReturnType<typeof proxyConfigSchemaOf>) {
  const proxyList = once(() =>
    z
      .array(proxy())
      .max(MAX_PROXIES, { error: `at most ${MAX_PROXIES} proxies` })
      .default([]),
  );
  return z
    .object({
      $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
      server: serverConfigSchema.prefault({}),
      engine: engineConfigSchema.prefault({}),
      // Read when a file has proxies (or the JSON Schema is written), like a proxy's toxics.
      get proxies() {
        return proxyList();
      },
    })
    .strict()
    .superRefine((config, ctx) => {
      const seen = new Set<string>();
      config.proxies.forEach((proxy, i) => {
        if (seen.has(proxy.name)) {
          ctx.addIssue({ code: 'custom', path: ['proxies', i, 'name'], message: `proxy name "${proxy.name}" is used twice` });
        }
        seen.add(proxy.name);
      });
    });
}

/** The config schemas for an engine that accepts `toxics`. */
export interface ConfigSchemas {
  config: ReturnType<typeof configSchemaOf>;
  /** Faultline's format, or Toxiproxy's bare array of proxies. */
  file: z.ZodUnion<readonly [ReturnType<typeof configSchemaOf>, z.ZodArray<ReturnType<typeof proxyConfigSchemaOf>>]>;
  proxy: ReturnType<typeof proxyConfigSchemaOf>;
  toxic: ReturnType<typeof toxicConfigSchemaOf>;
}

/**
 * The schemas, built as they are first used: a proxy's schema when a file has proxies, the toxic
 * union when a proxy has toxics.
 */
function schemasOf(toxics: ToxicLookup): ConfigSchemas {
  const toxic = once(() => toxicConfigSchemaOf(toxics));
  const proxy = once(() => proxyConfigSchemaOf(toxics, toxic));
  const config = configSchemaOf(proxy);
  const file = once(() => z.union([config, z.array(proxy())]));
  return {
    config,
    get file() {
      return file();
    },
    get proxy() {
      return proxy();
    },
    get toxic() {
      return toxic();
    },
  };
}

/** Built on the first call of {@link configSchemas}, not when this module is imported. */
const builtin = once(() => schemasOf(ToxicRegistry.builtin));
const custom = new WeakMap<ToxicLookup, ConfigSchemas>();

/** The config schemas that accept the toxic types of `toxics` (default: the built-in ones). */
export function configSchemas(toxics?: ToxicLookup): ConfigSchemas {
  if (toxics === undefined || toxics === ToxicRegistry.builtin) return builtin();
  let schemas = custom.get(toxics);
  if (!schemas) {
    schemas = schemasOf(toxics);
    custom.set(toxics, schemas);
  }
  return schemas;
}

/** A validated config. */
export type Config = z.infer<ConfigSchemas['config']>;
/** A validated proxy with its toxics. */
export type ProxyDefinition = z.infer<ConfigSchemas['proxy']>;
/** A validated toxic of a proxy. */
export type ToxicConfig = z.infer<ConfigSchemas['toxic']>;
/** Server settings. */
export type ServerConfig = z.infer<typeof serverConfigSchema>;
/** Engine settings. */
export type EngineConfig = z.infer<typeof engineConfigSchema>;
