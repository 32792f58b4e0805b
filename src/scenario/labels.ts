/**
 * What a plan's steps and probes do, in words, for `--dry-run`, the journal and the live view
 * (`latency on db (downstream) latency=300 for 5s`, `GET http://…`).
 * @module
 */
import type { ProbeCheck, ToxicEnvelope } from './plan.js';
import type { Action } from './schema.js';

function attributeText(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function toxicLabel(proxy: string, toxic: ToxicEnvelope): string {
  const attrs = attributeText(toxic.attributes);
  const toxicity = toxic.toxicity === 1 ? '' : ` toxicity=${toxic.toxicity}`;
  return `${toxic.type} on ${proxy} (${toxic.stream})${attrs ? ` ${attrs}` : ''}${toxicity}`;
}

export function actionLabel(action: Action): string {
  if (action.type !== 'update_proxy') return `${action.type} ${action.proxy}`;
  const changes = (['listen', 'upstream', 'enabled'] as const)
    .filter((k) => action[k] !== undefined)
    .map((k) => `${k}=${String(action[k])}`)
    .join(' ');
  return `update_proxy ${action.proxy} ${changes}`;
}

/** What a probe checks, for people. */
export function checkLabel(check: ProbeCheck): string {
  switch (check.kind) {
    case 'http':
      return `${check.method} ${check.url}`;
    case 'tcp':
      return `tcp ${check.address}`;
    case 'exec':
      return `exec ${Array.isArray(check.command) ? check.command.join(' ') : check.command}`;
  }
}
