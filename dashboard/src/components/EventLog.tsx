import { useState } from 'preact/hooks';
import { clock } from '../format';
import type { LogEntry } from '../model';
import { pure } from './pure';

interface Props {
  log: readonly LogEntry[];
  /** Lines drawn at most. */
  limit: number;
  /** Only this proxy's events. */
  proxy?: string;
  title: string;
}

const FAMILIES = [
  ['proxy', 'Proxies'],
  ['toxic', 'Toxics'],
  ['connection', 'Connections'],
  ['fault', 'Faults'],
] as const;

/** The event stream as a readable log, newest first. */
export const EventLog = pure('EventLog', ({ log, limit, proxy, title }: Props) => (
  <LogView log={log} limit={limit} title={title} {...(proxy === undefined ? {} : { proxy })} />
));

function LogView({ log, limit, proxy, title }: Props) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [paused, setPaused] = useState<readonly LogEntry[] | undefined>();
  const source = paused ?? log;
  const lines: LogEntry[] = [];
  for (const entry of source) {
    if (lines.length >= limit) break;
    if (proxy !== undefined && entry.proxy !== proxy) continue;
    if (hidden.has(entry.type.split('.')[0] ?? '')) continue;
    lines.push(entry);
  }
  const id = `log-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section class="panel log-panel" aria-labelledby={id}>
      <div class="panel-head">
        <h2 id={id}>{title}</h2>
        <fieldset class="families">
          <legend class="sr-only">Show</legend>
          {FAMILIES.map(([family, label]) => (
            <label key={family} class="check">
              <input
                type="checkbox"
                checked={!hidden.has(family)}
                onChange={() => {
                  const next = new Set(hidden);
                  if (next.has(family)) next.delete(family);
                  else next.add(family);
                  setHidden(next);
                }}
              />
              <span>{label}</span>
            </label>
          ))}
        </fieldset>
        <button type="button" class="btn btn-small" aria-pressed={paused !== undefined} onClick={() => setPaused(paused ? undefined : log)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      {lines.length === 0 ? <p class="empty">No events yet. Changes, connections and faults appear here as they happen.</p> : null}
      <ol class="log">
        {lines.map((e) => (
          <li key={e.key} class={`ev ev-type-${e.type.split('.')[0] ?? ''}`}>
            <time dateTime={e.time}>{clock(e.time)}</time>
            {proxy === undefined ? <span class="ev-proxy">{e.proxy}</span> : null}
            <span class="ev-text">
              {e.type === 'dropped' ? 'the page fell behind; some events were not shown (the state was read again)' : e.text}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
