/**
 * Which toxics fit which proxies: HTTP, HTTP/2 and TLS toxics on proxies declared to take them,
 * datagram toxics on udp proxies only, and the attributes of a type layers share (`latency`,
 * `loss`, … on byte streams and on datagrams) checked against the definition of the proxy's
 * protocol, with the same words as the schema's own mistakes. Pure: no I/O.
 * @module
 */
import { assertNever } from '../errors.js';
import { getToxicDefinition } from '../toxics/registry.js';
import type { ValuePath } from './interpolate.js';
import { explain, valueAt } from './issue-text.js';
import type { PlanIssue } from './plan.js';
import { LAYERED_TOXIC_TYPES, type ScenarioProxy, type Step } from './schema.js';

/**
 * The definition a toxic `type` has on `proxy`: where layers share the type (`latency`), the one of
 * the proxy's protocol — datagram toxics on udp proxies, byte-stream ones elsewhere.
 */
export function definitionOn(type: string, proxy: ScenarioProxy | undefined) {
  return getToxicDefinition(type, proxy?.protocol === 'udp' ? ['datagram'] : ['stream']);
}

/** A toxic a step applies: its type and attributes, the proxies it may land on, and the path of its envelope. */
interface ToxicRef {
  type: string;
  attributes: unknown;
  proxies: readonly string[];
  path: ValuePath;
}

/** The toxics a step applies. */
function toxicRefs(s: Step, index: number): ToxicRef[] {
  const base = ['steps', index];
  switch (s.kind) {
    case 'toxic':
      return [{ type: s.toxic.type, attributes: s.toxic.attributes, proxies: [s.toxic.proxy], path: [...base, 'toxic'] }];
    case 'ramp':
      return [{ type: s.ramp.type, attributes: s.ramp.attributes, proxies: [s.ramp.proxy], path: [...base, 'ramp'] }];
    case 'monkey':
      return s.monkey.faults.flatMap((f, i) =>
        'type' in f ? [{ type: f.type, attributes: f.attributes, proxies: s.monkey.proxies, path: [...base, 'monkey', 'faults', i] }] : [],
      );
    case 'action':
    case 'wait':
    case 'exec':
      return [];
    default:
      return assertNever(s, 'step');
  }
}

/** What a toxic of `layer` needs of the proxy it is put on, when `proxy` lacks it (the server refuses it there). */
function layerMismatch(layer: string | undefined, proxy: ScenarioProxy): string | undefined {
  if (proxy.protocol === 'udp') {
    return layer === 'datagram' ? undefined : `works on TCP, HTTP or HTTP/2 proxies only; proxy "${proxy.name}" has protocol udp`;
  }
  switch (layer) {
    case 'datagram':
      return `works on UDP proxies only: set protocol: udp on proxy "${proxy.name}"`;
    case 'http':
      return proxy.protocol === 'http' || proxy.protocol === 'http2'
        ? undefined
        : `works on HTTP proxies only: set protocol: http on proxy "${proxy.name}"`;
    case 'http2':
      return proxy.protocol === 'http2' ? undefined : `works on HTTP/2 proxies only: set protocol: http2 on proxy "${proxy.name}"`;
    case 'tls':
      return proxy.tls?.listen !== undefined
        ? undefined
        : `works on proxies that terminate TLS only: set tls.listen on proxy "${proxy.name}"`;
    default:
      return undefined;
  }
}

/**
 * HTTP, HTTP/2, TLS and datagram toxics only on proxies declared to take them (and byte-stream ones
 * not on udp proxies); the attributes of a type layers share, against the definition of the proxy's layer.
 */
export function checkLayers(s: Step, index: number, declared: ReadonlyMap<string, ScenarioProxy>, issues: PlanIssue[]): void {
  for (const ref of toxicRefs(s, index)) {
    for (const name of new Set(ref.proxies)) {
      const proxy = declared.get(name);
      if (!proxy) continue;
      const definition = definitionOn(ref.type, proxy);
      const mismatch = layerMismatch(definition?.layer, proxy);
      if (mismatch) {
        issues.push({ path: [...ref.path, 'type'], message: `toxic type "${ref.type}" ${mismatch}` });
      } else if (definition && LAYERED_TOXIC_TYPES.has(ref.type)) {
        const parsed = definition.attributes.strict().safeParse(ref.attributes ?? {});
        for (const issue of parsed.error?.issues ?? []) {
          for (const found of explain(issue, ref.attributes)) issues.push({ ...found, path: [...ref.path, 'attributes', ...found.path] });
        }
      }
    }
  }
}

/**
 * Puts back a step's toxic attributes as the file wrote them: the schema fills in defaults (the
 * server does that itself), and a type layers share must be checked as written, not with the
 * defaults of another layer. `raw` is the step as written.
 */
export function keepRawAttributes(s: Step, raw: unknown): void {
  const written = (path: ValuePath): Record<string, unknown> => {
    const value = valueAt(raw, [...path, 'attributes']);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
  };
  switch (s.kind) {
    case 'toxic':
      s.toxic.attributes = written(['toxic']) as typeof s.toxic.attributes;
      return;
    case 'ramp':
      s.ramp.attributes = written(['ramp']) as typeof s.ramp.attributes;
      return;
    case 'monkey':
      s.monkey.faults.forEach((f, j) => {
        if ('type' in f) f.attributes = written(['monkey', 'faults', j]) as typeof f.attributes;
      });
      return;
    case 'action':
    case 'wait':
    case 'exec':
      return;
    default:
      assertNever(s, 'step');
  }
}
