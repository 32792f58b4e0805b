import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, seg } from '../api';
import { clock, duration } from '../format';
import type { RunSummary } from '../model';
import type { Act } from './ProxyRow';

/** The parts of a run's journal the page draws (docs/scenarios.md has them all). */
interface Journal {
  scenario: { name: string; description?: string };
  seed: string;
  status: RunSummary['status'];
  verdict: RunSummary['verdict'];
  reason: string | null;
  planned_duration_ms: number;
  elapsed_ms: number;
  steps: Array<{
    index: number;
    label: string;
    name?: string;
    planned_start_ms: number;
    planned_end_ms: number;
    started_ms: number | null;
    ended_ms: number | null;
    status: string;
    error?: string;
    faults: Array<{
      proxy: string;
      toxic: string;
      type: string;
      stream: string;
      applied_ms: number | null;
      reverted_ms: number | null;
      reverted_by: string | null;
      error?: string;
    }>;
  }>;
  probes: Array<{
    name: string;
    mode: string;
    check: string;
    status: string;
    checks: number;
    failures: number;
    results: Array<{ at_ms: number; ok: boolean; detail: string }>;
  }>;
  rollback: Array<{ at_ms: number; action: string; ok: boolean; error?: string }>;
}

interface Detail extends RunSummary {
  journal: Journal;
}

interface Plan {
  name: string;
  summary: string;
  plan: string;
}

const EXAMPLE = `version: 1
name: partition-drill
description: Cut the dependency for 5 s, then heal.
proxies:
  - name: dependency   # must exist, or give listen and upstream to create it
steps:
  - name: baseline
    wait: 2s
  - name: cut
    toxic: { proxy: dependency, type: partition, stream: downstream }
    for: 5s
  - name: recovery
    wait: 2s
`;

function verdictBadge(run: Pick<RunSummary, 'status' | 'verdict'>) {
  if (run.verdict) return <span class={`badge verdict-${run.verdict}`}>{run.verdict}</span>;
  return <span class="badge running">{run.status.replace('_', ' ')}</span>;
}

function Progress({ run }: { run: Pick<RunSummary, 'elapsed_ms' | 'planned_duration_ms'> }) {
  const planned = Math.max(1, run.planned_duration_ms);
  const done = Math.min(planned, Math.max(0, run.elapsed_ms));
  return (
    <span class="progress-wrap">
      <progress max={planned} value={done} aria-label="elapsed" />
      <span class="muted">
        {duration(done)} / {duration(planned)}
      </span>
    </span>
  );
}

/** Writes a run's journal to a file the browser saves. */
function download(detail: Detail): void {
  const blob = new Blob([`${JSON.stringify(detail.journal, null, 2)}\n`], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `journal-${detail.journal.scenario.name}-${detail.id}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function Starter({ act, onStarted }: { act: Act; onStarted: (id: string) => void }) {
  const [text, setText] = useState(EXAMPLE);
  const [checked, setChecked] = useState<{ text: string; plan: Plan } | undefined>();
  const [issues, setIssues] = useState<readonly string[]>([]);
  const [busy, setBusy] = useState(false);

  const check = async () => {
    setBusy(true);
    setIssues([]);
    setChecked(undefined);
    try {
      const plan = await call<Plan>('POST', '/faultline/scenarios/plan', text, 'application/yaml');
      setChecked({ text, plan });
    } catch (err) {
      setIssues(err instanceof ApiError && err.issues.length > 0 ? err.issues : [String((err as Error).message)]);
    } finally {
      setBusy(false);
    }
  };

  const ready = checked !== undefined && checked.text === text;
  return (
    <section class="panel" aria-labelledby="start-title">
      <div class="panel-head">
        <h2 id="start-title">Start a scenario</h2>
      </div>
      <label class="wide">
        <span>Scenario (YAML or JSON, as for faultline run; exec probes are not run by the server)</span>
        <textarea
          class="code"
          rows={14}
          spellcheck={false}
          value={text}
          onInput={(e) => {
            setText((e.currentTarget as HTMLTextAreaElement).value);
            setIssues([]);
          }}
        />
      </label>
      <div class="form-actions">
        <label class="file">
          <span>Upload a file</span>
          <input
            type="file"
            accept=".yaml,.yml,.json,text/yaml,application/json"
            onChange={async (e) => {
              const file = (e.currentTarget as HTMLInputElement).files?.[0];
              if (file) {
                setText(await file.text());
                setChecked(undefined);
              }
            }}
          />
        </label>
        <button type="button" class="btn" disabled={busy} onClick={() => void check()}>
          Check (validate and dry run)
        </button>
        <button
          type="button"
          class="btn btn-primary"
          disabled={!ready || busy}
          onClick={() =>
            act(`Start scenario ${checked?.plan.name ?? ''}`, async () => {
              const started = await call<{ id: string }>('POST', '/scenarios', text, 'application/yaml');
              onStarted(started.id);
            })
          }
        >
          Start
        </button>
      </div>
      {issues.length > 0 ? (
        <div class="error" role="alert">
          <p>The scenario is not valid:</p>
          <ul>
            {issues.map((i) => (
              <li key={i} class="mono">
                {i}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {ready && checked ? (
        <div class="plan" aria-live="polite">
          <p class="ok">{checked.plan.summary}</p>
          <figure aria-label="Dry run">
            <pre>{checked.plan.plan}</pre>
          </figure>
        </div>
      ) : null}
    </section>
  );
}

function RunView({ id, version, act }: { id: string; version: number; act: Act }) {
  const [detail, setDetail] = useState<Detail | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let stale = false;
    call<Detail>('GET', `/scenarios/${seg(id)}`).then(
      (d) => !stale && setDetail(d),
      (err: Error) => !stale && setError(err.message),
    );
    return () => {
      stale = true;
    };
  }, [id, version]);
  if (error) return <p class="error">{error}</p>;
  if (!detail) return <p class="muted">Loading…</p>;
  const j = detail.journal;
  const planned = Math.max(1, j.planned_duration_ms);
  const pct = (ms: number) => `${Math.min(100, Math.max(0, (ms / planned) * 100)).toFixed(2)}%`;
  return (
    <section class="panel run" aria-labelledby="run-title">
      <div class="panel-head">
        <h2 id="run-title">
          {j.scenario.name} <span class="muted mono">{detail.id}</span>
        </h2>
        <p class="verdict" aria-live="polite">
          Verdict: {verdictBadge(detail)}
        </p>
        <div class="actions">
          {detail.status !== 'finished' ? (
            <button
              type="button"
              class="btn btn-danger"
              aria-label={`Stop ${j.scenario.name}`}
              onClick={() => act(`Stop ${j.scenario.name} (rollback)`, () => call('DELETE', `/scenarios/${seg(id)}`))}
            >
              Stop and roll back
            </button>
          ) : null}
          <button type="button" class="btn" aria-label={`Download journal of ${j.scenario.name}`} onClick={() => download(detail)}>
            Download journal
          </button>
        </div>
      </div>
      {j.reason ? <p class="reason">{j.reason}</p> : null}
      <Progress run={detail} />
      <p class="muted">
        seed {j.seed}
        {j.scenario.description ? ` — ${j.scenario.description}` : ''}
      </p>
      <h3>Timeline</h3>
      <ol class="timeline">
        {j.steps.map((s) => (
          <li key={s.index} class={`step step-${s.status}`}>
            <div class="step-head">
              <span class="step-label">
                {s.index + 1}. {s.name ? `${s.name}: ` : ''}
                {s.label}
              </span>
              <span class={`badge step-badge-${s.status}`}>{s.status}</span>
            </div>
            <div class="bar" aria-hidden="true">
              <span
                class="bar-fill"
                style={{ left: pct(s.planned_start_ms), width: `calc(${pct(s.planned_end_ms)} - ${pct(s.planned_start_ms)})` }}
              />
              {j.status !== 'finished' ? <span class="bar-now" style={{ left: pct(j.elapsed_ms) }} /> : null}
            </div>
            <div class="muted">
              planned +{duration(s.planned_start_ms)} → +{duration(s.planned_end_ms)}
              {s.faults.map((f) => (
                <span key={`${f.proxy}/${f.toxic}`} class="fault">
                  {' '}
                  · {f.type} {f.toxic} on {f.proxy} ({f.stream}){f.applied_ms !== null ? `, applied +${duration(f.applied_ms)}` : ''}
                  {f.reverted_ms !== null ? `, reverted +${duration(f.reverted_ms)} by ${f.reverted_by ?? '?'}` : ''}
                  {f.error ? `, error: ${f.error}` : ''}
                </span>
              ))}
              {s.error ? <span class="error-text"> · {s.error}</span> : null}
            </div>
          </li>
        ))}
      </ol>
      {j.probes.length > 0 ? (
        <>
          <h3>Probes</h3>
          <table class="probes">
            <thead>
              <tr>
                <th scope="col">Probe</th>
                <th scope="col">Mode</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Checks
                </th>
                <th scope="col" class="num">
                  Failures
                </th>
                <th scope="col">Last result</th>
              </tr>
            </thead>
            <tbody>
              {j.probes.map((p) => {
                const last = p.results.at(-1);
                return (
                  <tr key={p.name}>
                    <th scope="row">
                      {p.name}
                      <div class="muted">{p.check}</div>
                    </th>
                    <td>{p.mode}</td>
                    <td>
                      <span class={`badge probe-${p.status}`}>{p.status.replace('_', ' ')}</span>
                    </td>
                    <td class="num">{p.checks}</td>
                    <td class="num">{p.failures}</td>
                    <td>{last ? `${last.ok ? 'ok' : 'FAILED'} at +${duration(last.at_ms)}: ${last.detail}` : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
      {j.rollback.length > 0 ? (
        <>
          <h3>Rollback</h3>
          <ul class="rollback">
            {j.rollback.map((r, i) => (
              <li key={i} class={r.ok ? '' : 'error-text'}>
                +{duration(r.at_ms)} {r.action}
                {r.ok ? '' : ` — failed: ${r.error ?? ''}`}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

interface Props {
  runs: readonly RunSummary[];
  runsVersion: number;
  watched: string | undefined;
  act: Act;
}

/** Scenario runs hosted by the server: start one, watch it, stop it, keep its journal. */
export function Scenarios({ runs, runsVersion, watched, act }: Props) {
  const watch = (id: string) => {
    location.hash = `#/scenarios/${encodeURIComponent(id)}`;
  };
  return (
    <div class="scenarios">
      {watched ? <RunView id={watched} version={runsVersion} act={act} /> : null}
      <section class="panel" aria-labelledby="runs-title">
        <div class="panel-head">
          <h2 id="runs-title">Runs</h2>
        </div>
        {runs.length === 0 ? <p class="empty">No scenario has run on this server yet.</p> : null}
        {runs.length > 0 ? (
          <div class="table-wrap">
            <table class="runs">
              <thead>
                <tr>
                  <th scope="col">Scenario</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {[...runs].reverse().map((r) => (
                  <tr key={r.id} class={r.id === watched ? 'selected' : undefined}>
                    <th scope="row">
                      <a href={`#/scenarios/${encodeURIComponent(r.id)}`} aria-current={r.id === watched ? 'true' : undefined}>
                        {r.name}
                      </a>{' '}
                      <span class="muted mono">{r.id}</span>
                    </th>
                    <td>{verdictBadge(r)}</td>
                    <td>
                      <Progress run={r} />
                    </td>
                    <td>{r.started_at ? clock(r.started_at) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <Starter act={act} onStarted={watch} />
    </div>
  );
}
