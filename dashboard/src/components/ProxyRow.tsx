import { Component, createRef } from 'preact';
import { LATENCY_PRESETS, presetLatency, setEnabled, setLatency, removeEveryToxic, togglePartition } from '../actions';
import { attributesText, perSecond, rate, toxicityText } from '../format';
import { directionOf, isPartitioned, type ProxyInfo, type Series } from '../model';
import { Sparkline } from './Sparkline';

/** Runs an action and reports how it went. */
export type Act = (what: string, action: () => Promise<unknown>) => void;

interface Props {
  proxy: ProxyInfo;
  series: Series | undefined;
  selected: boolean;
  onSelect: (name: string) => void;
  act: Act;
}

/** Rows near the screen; the others skip traffic updates until they scroll into view. */
const rows = new WeakMap<Element, ProxyRow>();
let observer: IntersectionObserver | undefined;
function watch(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) rows.get(entry.target)?.setVisible(entry.isIntersecting);
    },
    { rootMargin: '300px 0px' },
  );
  return observer;
}

/** A udp proxy's datagrams per second sent on each way, and dropped both ways (the latest sample). */
function DatagramRatesLine({ series }: { series: Series | undefined }) {
  const datagrams = series?.datagrams;
  if (!datagrams) return null;
  const up = datagrams.upstream.sent.at(-1) ?? 0;
  const down = datagrams.downstream.sent.at(-1) ?? 0;
  const dropped = (datagrams.upstream.dropped.at(-1) ?? 0) + (datagrams.downstream.dropped.at(-1) ?? 0);
  return (
    <div class="rates datagrams" title="datagrams per second sent on each way, and dropped by toxics or limits">
      <span class="up">↑ {perSecond(up)}</span> <span class="down">↓ {perSecond(down)}</span> datagrams/s
      {dropped > 0 ? <span class="dropped">, {perSecond(dropped)} dropped</span> : null}
    </div>
  );
}

/** One proxy in the table, with its one-click faults. Off screen, it skips traffic updates. */
export class ProxyRow extends Component<Props> {
  private visible = false;
  private readonly row = createRef<HTMLTableRowElement>();

  override componentDidMount(): void {
    const el = this.row.current;
    if (!el) return;
    rows.set(el, this);
    watch().observe(el);
  }

  override componentWillUnmount(): void {
    if (this.row.current) watch().unobserve(this.row.current);
  }

  /** Called by the observer: on screen again, the row draws the latest traffic. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible) this.forceUpdate();
  }

  override shouldComponentUpdate(next: Props): boolean {
    const p = this.props;
    if (next.proxy !== p.proxy || next.selected !== p.selected) return true;
    return next.series !== p.series && this.visible;
  }

  override render({ proxy, series, selected, onSelect, act }: Props) {
    const name = proxy.name;
    const cut = isPartitioned(proxy);
    const up = series?.upstream.at(-1) ?? 0;
    const down = series?.downstream.at(-1) ?? 0;
    const connections = series?.connections.at(-1) ?? 0;
    const latency = presetLatency(proxy);
    return (
      <tr
        ref={this.row}
        class={selected ? 'selected' : undefined}
        data-proxy={name}
        onFocusIn={() => onSelect(name)}
        onClick={() => onSelect(name)}
      >
        <th scope="row">
          <a class="proxy-name" href={`#/proxies/${encodeURIComponent(name)}`} aria-current={selected ? 'true' : undefined}>
            {name}
          </a>
          {proxy.protocol && proxy.protocol !== 'tcp' ? <span class="tag">{proxy.protocol}</span> : null}
          <div class="route">
            <span title="listen">{proxy.listen}</span> → <span title="upstream">{proxy.upstream}</span>
          </div>
        </th>
        <td>
          <span class={`badge ${proxy.enabled ? 'on' : 'off'}`}>{proxy.enabled ? 'enabled' : 'disabled'}</span>
          {cut ? <span class="badge cut">partitioned</span> : null}
        </td>
        <td class="toxics">
          {proxy.toxics.length === 0 ? <span class="muted">none</span> : null}
          {proxy.toxics.map((t) => (
            <span
              class={`chip ${t.type === 'partition' ? 'chip-cut' : ''}`}
              key={t.name}
              title={`${t.name}: ${attributesText(t.attributes) || 'defaults'}`}
            >
              <span aria-hidden="true">{directionOf(t) === 'upstream' ? '↑' : '↓'}</span>
              <span class="sr-only">{directionOf(t)}</span> {t.type}
              {t.type === 'latency' ? ` ${String(t.attributes['latency'])} ms` : ''}
              {toxicityText(t.toxicity) ? ` ${toxicityText(t.toxicity)}` : ''}
            </span>
          ))}
        </td>
        <td class="traffic">
          {this.visible ? (
            <Sparkline
              series={series}
              points={60}
              width={120}
              height={28}
              label={`Traffic of ${name}: up ${rate(up)}, down ${rate(down)}`}
            />
          ) : (
            <svg class="spark" viewBox="0 0 120 28" width={120} height={28} aria-hidden="true">
              <line class="spark-base" x1={0} x2={120} y1={27.5} y2={27.5} />
            </svg>
          )}
          <div class="rates">
            <span class="up">↑ {rate(up)}</span> <span class="down">↓ {rate(down)}</span>
          </div>
          <DatagramRatesLine series={series} />
        </td>
        <td class="num">{connections}</td>
        <td class="actions">
          <button
            type="button"
            class={proxy.enabled ? 'btn' : 'btn btn-go'}
            aria-label={`${proxy.enabled ? 'Disable' : 'Enable'} ${name}`}
            aria-keyshortcuts="D"
            onClick={() => act(`${proxy.enabled ? 'Disable' : 'Enable'} ${name}`, () => setEnabled(proxy, !proxy.enabled))}
          >
            {proxy.enabled ? 'Disable' : 'Enable'}
          </button>
          <button
            type="button"
            class={cut ? 'btn btn-go' : 'btn btn-danger'}
            aria-label={`${cut ? 'Heal' : 'Partition'} ${name}`}
            aria-keyshortcuts="P"
            onClick={() => act(`${cut ? 'Heal' : 'Partition'} ${name}`, () => togglePartition(proxy))}
          >
            {cut ? 'Heal' : 'Partition'}
          </button>
          <select
            class="latency"
            aria-label={`Latency for ${name}`}
            value={String(latency)}
            onChange={(e) => {
              const ms = Number((e.currentTarget as HTMLSelectElement).value);
              act(ms === 0 ? `No added latency on ${name}` : `Latency ${ms} ms on ${name}`, () => setLatency(proxy, ms));
            }}
          >
            <option value="0">no latency</option>
            {LATENCY_PRESETS.map((ms) => (
              <option value={String(ms)} key={ms}>
                +{ms} ms
              </option>
            ))}
            {latency !== 0 && !(LATENCY_PRESETS as readonly number[]).includes(latency) ? (
              <option value={String(latency)}>+{latency} ms</option>
            ) : null}
          </select>
          <button
            type="button"
            class="btn btn-quiet"
            aria-label={`Remove every toxic from ${name}`}
            aria-keyshortcuts="X"
            disabled={proxy.toxics.length === 0}
            onClick={() => act(`Remove every toxic from ${name}`, () => removeEveryToxic(proxy))}
          >
            Clear
          </button>
        </td>
      </tr>
    );
  }
}
