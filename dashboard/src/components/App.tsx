import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { LATENCY_PRESETS, removeEveryToxic, setEnabled, setLatency, togglePartition } from '../actions';
import { ApiError, saveToken, whenUnauthorized } from '../api';
import { isPartitioned } from '../model';
import type { Store } from '../store';
import { EventLog } from './EventLog';
import { Help } from './Help';
import { ProxyDetail } from './ProxyDetail';
import { visibleNames, ProxyTable } from './ProxyTable';
import { Scenarios } from './Scenarios';
import { TokenDialog } from './TokenDialog';

type Route = { view: 'proxies' } | { view: 'proxy'; name: string } | { view: 'scenarios'; run: string | undefined } | { view: 'events' };

function parseRoute(hash: string): Route {
  const [, view, arg] = /^#\/([^/]*)\/?(.*)$/.exec(hash) ?? [];
  const name = arg ? decodeURIComponent(arg) : undefined;
  if (view === 'proxies' && name) return { view: 'proxy', name };
  if (view === 'scenarios') return { view: 'scenarios', run: name };
  if (view === 'events') return { view: 'events' };
  return { view: 'proxies' };
}

const STREAM_TEXT = { connecting: 'connecting…', live: 'live', offline: 'reconnecting…', locked: 'token needed' } as const;

/** Keys typed into fields are theirs, not shortcuts. */
function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** The whole page. */
export function App({ store }: { store: Store }) {
  const state = store.state;
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const [selected, setSelected] = useState<string | undefined>();
  const [filter, setFilter] = useState('');
  const [help, setHelp] = useState(false);
  const [status, setStatus] = useState<{ text: string; error: boolean } | undefined>();
  const [locked, setLocked] = useState<'no' | 'ask' | 'wrong'>('no');
  const latest = useRef({ state, route, selected, filter });
  latest.current = { state, route, selected, filter };

  const say = useCallback((text: string, error = false) => setStatus({ text, error }), []);
  const act = useCallback((what: string, action: () => Promise<unknown>) => {
    say(`${what}…`);
    action().then(
      () => say(`${what}: done`),
      (err: unknown) => say(`${what} failed: ${err instanceof ApiError ? err.message : String(err)}`, true),
    );
  }, []);

  useEffect(() => {
    whenUnauthorized(() => setLocked((was) => (was === 'no' ? 'ask' : 'wrong')));
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (state.stream === 'locked') setLocked((was) => (was === 'no' ? 'ask' : was));
  }, [state.stream]);

  useEffect(() => {
    let pendingG = false;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || document.querySelector('.overlay')) {
        if (e.key === 'Escape') setHelp(false);
        return;
      }
      const { state: s, route: r, selected: sel, filter: f } = latest.current;
      const names = visibleNames(s, f);
      const name = r.view === 'proxy' ? r.name : sel;
      const proxy = name === undefined ? undefined : s.proxies.get(name);
      const move = (by: number) => {
        if (r.view !== 'proxies' || names.length === 0) return;
        const i = sel === undefined ? -1 : names.indexOf(sel);
        const next = names[Math.min(names.length - 1, Math.max(0, i + by))];
        if (next === undefined) return;
        setSelected(next);
        document.querySelector<HTMLElement>(`tr[data-proxy="${CSS.escape(next)}"] .proxy-name`)?.focus();
      };
      if (pendingG) {
        pendingG = false;
        const to = { p: '#/', s: '#/scenarios', e: '#/events' }[e.key];
        if (to) location.hash = to;
        return;
      }
      switch (e.key) {
        case 'g':
          pendingG = true;
          return;
        case '?':
          setHelp(true);
          return;
        case 'Escape':
          if (r.view === 'proxy') location.hash = '#/';
          return;
        case 'j':
        case 'ArrowDown':
          move(1);
          break;
        case 'k':
        case 'ArrowUp':
          move(-1);
          break;
        case 'Enter':
          if (
            r.view === 'proxies' &&
            name !== undefined &&
            !(e.target instanceof HTMLButtonElement || e.target instanceof HTMLAnchorElement)
          )
            location.hash = `#/proxies/${encodeURIComponent(name)}`;
          return;
        case 'd':
          if (proxy) act(`${proxy.enabled ? 'Disable' : 'Enable'} ${proxy.name}`, () => setEnabled(proxy, !proxy.enabled));
          break;
        case 'p':
          if (proxy) act(`${isPartitioned(proxy) ? 'Heal' : 'Partition'} ${proxy.name}`, () => togglePartition(proxy));
          break;
        case 'x':
          if (proxy) act(`Remove every toxic from ${proxy.name}`, () => removeEveryToxic(proxy));
          break;
        case '0':
        case '1':
        case '2':
        case '3': {
          const ms = e.key === '0' ? 0 : (LATENCY_PRESETS[Number(e.key) - 1] ?? 0);
          if (proxy) act(ms === 0 ? `No added latency on ${proxy.name}` : `Latency ${ms} ms on ${proxy.name}`, () => setLatency(proxy, ms));
          break;
        }
        default:
          return;
      }
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const tab = (href: string, label: string, current: boolean) => (
    <a href={href} class={current ? 'tab current' : 'tab'} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
  const running = state.runs.filter((r) => r.status !== 'finished').length;
  const detail = route.view === 'proxy' ? state.proxies.get(route.name) : undefined;

  return (
    <>
      <header class="top">
        <div class="brand">
          <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="#111827" />
            <path d="M4 18h7l3-9 4 15 3-9h7" fill="none" stroke="#f97316" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" />
          </svg>
          <h1>Faultline</h1>
        </div>
        <nav aria-label="Views">
          {tab('#/', 'Proxies', route.view === 'proxies' || route.view === 'proxy')}
          {tab('#/scenarios', running > 0 ? `Scenarios (${running} running)` : 'Scenarios', route.view === 'scenarios')}
          {tab('#/events', 'Events', route.view === 'events')}
        </nav>
        <div class="server">
          <span class={`dot dot-${state.stream}`} aria-hidden="true" />
          <span>
            <span class="sr-only">Updates: </span>
            {STREAM_TEXT[state.stream]}
          </span>
          {state.server ? (
            <span class="muted">
              v{state.server.faultline} · seed {state.server.seed}
            </span>
          ) : null}
          <button type="button" class="btn btn-small btn-quiet" onClick={() => setHelp(true)} aria-keyshortcuts="?">
            Keys
          </button>
        </div>
      </header>
      <p class={`status ${status?.error ? 'status-error' : ''}`} role="status">
        {status?.text ?? ''}
      </p>
      <main>
        {route.view === 'proxies' ? (
          <div class="columns">
            <ProxyTable
              proxies={state.proxies}
              names={state.names}
              traffic={state.traffic}
              filter={filter}
              onFilter={setFilter}
              selected={selected}
              onSelect={setSelected}
              act={act}
            />
            <EventLog log={state.log} limit={40} title="Recent events" />
          </div>
        ) : null}
        {route.view === 'proxy' ? (
          detail ? (
            <ProxyDetail proxy={detail} series={state.traffic.get(detail.name)} types={state.toxicTypes} act={act} say={say} />
          ) : (
            <p class="empty">
              {state.loaded ? `No proxy called ${route.name}.` : 'Loading…'} <a href="#/">All proxies</a>
            </p>
          )
        ) : null}
        {route.view === 'proxy' && detail ? (
          <EventLog log={state.log} limit={100} proxy={detail.name} title={`Events of ${detail.name}`} />
        ) : null}
        {route.view === 'scenarios' ? <Scenarios runs={state.runs} runsVersion={state.runsVersion} watched={route.run} act={act} /> : null}
        {route.view === 'events' ? <EventLog log={state.log} limit={300} title="Events" /> : null}
      </main>
      {help ? <Help onClose={() => setHelp(false)} /> : null}
      {locked !== 'no' ? (
        <TokenDialog
          wrong={locked === 'wrong'}
          onToken={(token) => {
            saveToken(token);
            setLocked('no');
            void store.start().catch(() => {});
          }}
        />
      ) : null}
    </>
  );
}
