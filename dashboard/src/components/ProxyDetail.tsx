import { useState } from 'preact/hooks';
import { partition, removeToxic } from '../actions';
import { attributesText, perSecond, rate, toxicityText } from '../format';
import { directionOf, type DatagramSeries, type ProxyInfo, type Series, type Toxic, type ToxicType } from '../model';
import { SERIES_LENGTH } from '../store';
import { Connections } from './Connections';
import { ProxyRow, type Act } from './ProxyRow';
import { largest, Sparkline } from './Sparkline';
import { ToxicForm } from './ToxicForm';

interface Props {
  proxy: ProxyInfo;
  series: Series | undefined;
  types: readonly ToxicType[];
  act: Act;
  say: (message: string) => void;
}

function ToxicList({
  proxy,
  direction,
  act,
  onEdit,
}: {
  proxy: ProxyInfo;
  direction: 'upstream' | 'downstream';
  act: Act;
  onEdit: (t: Toxic) => void;
}) {
  const toxics = proxy.toxics.filter((t) => directionOf(t) === direction);
  return (
    <div class="direction">
      <h4>
        {direction === 'upstream' ? '↑ Upstream' : '↓ Downstream'}{' '}
        <span class="muted">{direction === 'upstream' ? 'client → server' : 'server → client'}</span>
      </h4>
      {toxics.length === 0 ? <p class="empty">No toxics.</p> : null}
      <ul class="toxic-list">
        {toxics.map((t) => (
          <li key={t.name}>
            <div>
              <strong>{t.name}</strong> <span class="tag">{t.type}</span>{' '}
              {toxicityText(t.toxicity) ? <span class="tag">toxicity {toxicityText(t.toxicity)}</span> : null}
              <div class="muted">{attributesText(t.attributes) || 'defaults'}</div>
            </div>
            <div class="actions">
              <button type="button" class="btn btn-small" aria-label={`Edit ${t.name}`} onClick={() => onEdit(t)}>
                Edit
              </button>
              <button
                type="button"
                class="btn btn-small btn-quiet"
                aria-label={`Remove ${t.name}`}
                onClick={() => act(`Remove ${t.name} from ${proxy.name}`, () => removeToxic(proxy, t))}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A udp proxy's datagrams per second each way, in the latest sample: received, sent on, dropped. */
function DatagramTable({ series }: { series: Series | undefined }) {
  const datagrams = series?.datagrams;
  if (!datagrams) return null;
  const row = (label: string, d: DatagramSeries) => (
    <tr>
      <th scope="row">{label}</th>
      <td class="num">{perSecond(d.received.at(-1) ?? 0)}</td>
      <td class="num">{perSecond(d.sent.at(-1) ?? 0)}</td>
      <td class="num">{perSecond(d.dropped.at(-1) ?? 0)}</td>
    </tr>
  );
  return (
    <table class="datagram-rates">
      <caption>Datagrams per second</caption>
      <thead>
        <tr>
          <th scope="col">Direction</th>
          <th scope="col" class="num">
            in
          </th>
          <th scope="col" class="num">
            out
          </th>
          <th scope="col" class="num">
            dropped
          </th>
        </tr>
      </thead>
      <tbody>
        {row('↑ upstream', datagrams.upstream)}
        {row('↓ downstream', datagrams.downstream)}
      </tbody>
    </table>
  );
}

/** One proxy: its faults, traffic over three minutes, toxics per direction with forms, live connections. */
export function ProxyDetail({ proxy, series, types, act, say }: Props) {
  const [form, setForm] = useState<{ editing: Toxic | undefined } | undefined>();
  const up = series?.upstream.at(-1) ?? 0;
  const down = series?.downstream.at(-1) ?? 0;
  return (
    <div class="detail">
      <p>
        <a href="#/">← All proxies</a>
      </p>
      <section class="panel" aria-labelledby="detail-title">
        <div class="panel-head">
          <h2 id="detail-title">{proxy.name}</h2>
        </div>
        <div class="table-wrap">
          <table class="proxies single">
            <thead>
              <tr>
                <th scope="col">Proxy</th>
                <th scope="col">State</th>
                <th scope="col">Toxics</th>
                <th scope="col">Traffic</th>
                <th scope="col" class="num">
                  Conns
                </th>
                <th scope="col">Faults</th>
              </tr>
            </thead>
            <tbody>
              <ProxyRow proxy={proxy} series={series} selected={false} onSelect={() => {}} act={act} />
            </tbody>
          </table>
        </div>
        <div class="partition-buttons">
          <span>Cut one direction:</span>
          <button
            type="button"
            class="btn btn-danger"
            aria-label={`Partition ${proxy.name} upstream`}
            onClick={() => act(`Partition ${proxy.name} upstream`, () => partition(proxy, 'upstream'))}
          >
            Partition upstream
          </button>
          <button
            type="button"
            class="btn btn-danger"
            aria-label={`Partition ${proxy.name} downstream`}
            onClick={() => act(`Partition ${proxy.name} downstream`, () => partition(proxy, 'downstream'))}
          >
            Partition downstream
          </button>
        </div>
        <figure class="chart">
          <Sparkline
            series={series}
            points={SERIES_LENGTH}
            width={720}
            height={120}
            label={`Traffic of ${proxy.name} over the last three minutes: now up ${rate(up)}, down ${rate(down)}`}
          />
          <figcaption>
            <span class="up">■ upstream {rate(up)}</span> <span class="down">■ downstream {rate(down)}</span> — last three minutes, one
            sample a second; top of the chart{' '}
            {rate(Math.max(1024, largest(series?.upstream ?? [], SERIES_LENGTH), largest(series?.downstream ?? [], SERIES_LENGTH)))}
          </figcaption>
        </figure>
        <DatagramTable series={series} />
      </section>
      <section class="panel" aria-labelledby="toxics-title">
        <div class="panel-head">
          <h3 id="toxics-title">Toxics</h3>
          <button
            type="button"
            class="btn btn-primary"
            onClick={() => setForm({ editing: undefined })}
            aria-expanded={form !== undefined && form.editing === undefined}
          >
            Add toxic
          </button>
        </div>
        {form ? (
          <ToxicForm
            key={form.editing?.name ?? '+new'}
            proxy={proxy}
            types={types}
            editing={form.editing}
            onDone={(message) => {
              setForm(undefined);
              say(message);
            }}
            onCancel={() => setForm(undefined)}
          />
        ) : null}
        <div class="directions">
          <ToxicList proxy={proxy} direction="upstream" act={act} onEdit={(t) => setForm({ editing: t })} />
          <ToxicList proxy={proxy} direction="downstream" act={act} onEdit={(t) => setForm({ editing: t })} />
        </div>
      </section>
      <Connections proxy={proxy} act={act} />
    </div>
  );
}
