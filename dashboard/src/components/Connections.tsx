import { useEffect, useState } from 'preact/hooks';
import { closeConnection } from '../actions';
import { call, seg } from '../api';
import { duration, size } from '../format';
import type { ConnectionInfo, DatagramRates, ProxyInfo } from '../model';
import type { Act } from './ProxyRow';

/** Rows drawn at most; the rest are counted. */
const SHOWN = 100;
/** How often the list is read again while it is open. */
const REFRESH_MS = 2000;

/** A udp flow's datagrams in one direction: sent on, and dropped when any were. */
function FlowDatagrams({ counts }: { counts: DatagramRates | undefined }) {
  if (!counts) return null;
  return (
    <div class="muted">
      {counts.sent} datagram{counts.sent === 1 ? '' : 's'}
      {counts.dropped > 0 ? `, ${counts.dropped} dropped` : ''}
    </div>
  );
}

/** A proxy's live connections, read every two seconds while shown, each with close and reset. */
export function Connections({ proxy, act }: { proxy: ProxyInfo; act: Act }) {
  const [list, setList] = useState<ConnectionInfo[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await call<ConnectionInfo[]>('GET', `/proxies/${seg(proxy.name)}/connections`);
        if (stopped) return;
        setList(next);
        setNow(Date.now());
        setError(undefined);
      } catch (err) {
        if (!stopped) setError(String((err as Error).message));
      }
      if (!stopped) timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [proxy.name]);

  const shown = list?.slice(0, SHOWN) ?? [];
  return (
    <section class="panel" aria-labelledby="connections-title">
      <div class="panel-head">
        <h3 id="connections-title">Live connections {list ? <span class="count">{list.length}</span> : null}</h3>
        {list && list.length > SHOWN ? <p class="muted">showing the oldest {SHOWN}</p> : null}
      </div>
      {error ? <p class="error">{error}</p> : null}
      {list && list.length === 0 ? <p class="empty">No live connections.</p> : null}
      {shown.length > 0 ? (
        <div class="table-wrap">
          <table class="connections">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Client</th>
                <th scope="col">Open for</th>
                <th scope="col" class="num">
                  ↑ sent
                </th>
                <th scope="col" class="num">
                  ↓ sent
                </th>
                <th scope="col">Active toxics</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.id}>
                  <td class="num">{c.id}</td>
                  <td class="mono">{c.client}</td>
                  <td>{duration(Math.max(0, now - Date.parse(c.opened_at)))}</td>
                  <td class="num">
                    {size(c.bytes.upstream.sent)}
                    <FlowDatagrams counts={c.datagrams?.upstream} />
                  </td>
                  <td class="num">
                    {size(c.bytes.downstream.sent)}
                    <FlowDatagrams counts={c.datagrams?.downstream} />
                  </td>
                  <td>
                    {[...c.toxics.upstream.map((t) => `↑ ${t}`), ...c.toxics.downstream.map((t) => `↓ ${t}`)].join(', ') || (
                      <span class="muted">none</span>
                    )}
                  </td>
                  <td class="actions">
                    <button
                      type="button"
                      class="btn btn-small"
                      aria-label={`Close connection ${c.id} of ${proxy.name}`}
                      onClick={() => act(`Close connection ${c.id} of ${proxy.name}`, () => closeConnection(proxy, c.id, false))}
                    >
                      Close
                    </button>
                    <button
                      type="button"
                      class="btn btn-small btn-danger"
                      aria-label={`Reset connection ${c.id} of ${proxy.name}`}
                      onClick={() => act(`Reset connection ${c.id} of ${proxy.name}`, () => closeConnection(proxy, c.id, true))}
                    >
                      Reset
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
