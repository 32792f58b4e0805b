/** Events of the stream as log lines people read. */
import { attributesText, duration, size } from './format';
import type { Toxic } from './model';

/** An event's body (`GET /events`). */
export type EventBody = { seq?: number; time?: string; type: string; proxy: string } & Record<string, unknown>;

function toxicText(toxic: unknown): string {
  const t = toxic as Partial<Toxic> | undefined;
  if (!t?.name) return 'a toxic';
  const attrs = attributesText(t.attributes ?? {});
  return `${t.name} (${t.type ?? '?'}, ${t.stream ?? '?'}${t.toxicity !== undefined && t.toxicity < 1 ? `, toxicity ${t.toxicity}` : ''})${attrs ? `: ${attrs}` : ''}`;
}

function bytesText(bytes: unknown): string {
  const b = bytes as { upstream?: { sent?: number }; downstream?: { sent?: number } } | undefined;
  return `↑ ${size(b?.upstream?.sent ?? 0)} ↓ ${size(b?.downstream?.sent ?? 0)}`;
}

/** One line for an event. */
export function eventText(e: EventBody): string {
  switch (e.type) {
    case 'proxy.created':
      return `proxy created: ${String(e['listen'] ?? '')} → ${String(e['upstream'] ?? '')}${e['enabled'] === false ? ' (disabled)' : ''}`;
    case 'proxy.updated':
      return `proxy updated: ${e['enabled'] === false ? 'disabled' : 'enabled'}, ${String(e['listen'] ?? '')} → ${String(e['upstream'] ?? '')}`;
    case 'proxy.removed':
      return 'proxy removed';
    case 'proxy.started':
      return `listening on ${String(e['listen'] ?? '')}`;
    case 'proxy.stopped':
      return 'stopped listening';
    case 'toxic.added':
      return `toxic added: ${toxicText(e['toxic'])}`;
    case 'toxic.updated':
      return `toxic updated: ${toxicText(e['toxic'])}`;
    case 'toxic.removed':
      return `toxic removed: ${(e['toxic'] as { name?: string } | undefined)?.name ?? ''}`;
    case 'connection.opened':
      return `connection #${String(e['connection'])} opened from ${String(e['client'] ?? '')}`;
    case 'connection.closed':
      return `connection #${String(e['connection'])} closed (${String(e['reason'] ?? '')}) after ${duration(Number(e['duration_ms'] ?? 0))}, ${bytesText(e['bytes'])}`;
    case 'fault':
      return `fault: ${String(e['kind'] ?? '')} by ${String(e['toxic'] ?? '')} (${String(e['toxic_type'] ?? '')}) on #${String(e['connection'] ?? '')} ${String(e['direction'] ?? '')}`;
    default:
      return e.type;
  }
}
