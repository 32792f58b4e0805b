import { rate } from '../format';
import type { ProxyInfo, Series } from '../model';
import { ProxyRow, type Act } from './ProxyRow';
import { pure } from './pure';

/** What the table reads of the page's state. */
export interface TableState {
  proxies: ReadonlyMap<string, ProxyInfo>;
  names: readonly string[];
  traffic: ReadonlyMap<string, Series>;
}

interface Props extends TableState {
  filter: string;
  onFilter: (text: string) => void;
  selected: string | undefined;
  onSelect: (name: string) => void;
  act: Act;
}

/** The names the table shows, in order. */
export function visibleNames(state: Pick<TableState, 'names'>, filter: string): readonly string[] {
  const f = filter.trim().toLowerCase();
  return f === '' ? state.names : state.names.filter((n) => n.toLowerCase().includes(f));
}

/** Every proxy, its faults and traffic; one row each. */
export const ProxyTable = pure('ProxyTable', (props: Props) => {
  const { filter, onFilter, selected, onSelect, act } = props;
  const state = props;
  const names = visibleNames(state, filter);
  let up = 0;
  let down = 0;
  let connections = 0;
  let faulty = 0;
  for (const name of state.names) {
    const s = state.traffic.get(name);
    up += s?.upstream.at(-1) ?? 0;
    down += s?.downstream.at(-1) ?? 0;
    connections += s?.connections.at(-1) ?? 0;
    if ((state.proxies.get(name)?.toxics.length ?? 0) > 0) faulty++;
  }
  return (
    <section class="panel" aria-labelledby="proxies-title">
      <div class="panel-head">
        <h2 id="proxies-title">Proxies</h2>
        <dl class="totals">
          <div>
            <dt>proxies</dt>
            <dd>{state.names.length}</dd>
          </div>
          <div>
            <dt>with toxics</dt>
            <dd>{faulty}</dd>
          </div>
          <div>
            <dt>connections</dt>
            <dd>{connections}</dd>
          </div>
          <div>
            <dt>traffic</dt>
            <dd>
              ↑ {rate(up)} ↓ {rate(down)}
            </dd>
          </div>
        </dl>
        <label class="filter">
          <span>Filter</span>
          <input type="search" value={filter} placeholder="name…" onInput={(e) => onFilter((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
      <div class="table-wrap">
        <table class="proxies">
          <caption class="sr-only">
            Proxies: state, toxics, traffic and one-click faults. Keys: j and k move, d disables or enables, p partitions or heals, x
            removes every toxic.
          </caption>
          <thead>
            <tr>
              <th scope="col">Proxy</th>
              <th scope="col">State</th>
              <th scope="col">Toxics</th>
              <th scope="col">Traffic (last minute)</th>
              <th scope="col" class="num">
                Conns
              </th>
              <th scope="col">Faults</th>
            </tr>
          </thead>
          <tbody>
            {names.map((name) => {
              const proxy = state.proxies.get(name);
              return proxy ? (
                <ProxyRow
                  key={name}
                  proxy={proxy}
                  series={state.traffic.get(name)}
                  selected={name === selected}
                  onSelect={onSelect}
                  act={act}
                />
              ) : null;
            })}
          </tbody>
        </table>
        {names.length === 0 ? (
          <p class="empty">
            {state.names.length === 0
              ? 'No proxies yet. Create one with the API, the CLI or a config file.'
              : 'No proxy matches the filter.'}
          </p>
        ) : null}
      </div>
    </section>
  );
});
