/**
 * What `faultline run` shows while a scenario runs. On a terminal: a live view, redrawn in place, of
 * the timeline (done, running, pending), the faults in place and the health of each probe. Otherwise
 * (a pipe, a CI log): one plain line per event, each stamped with its time on the timeline.
 *
 * Longer than 300 lines: both views render the same events, and share their wording here.
 * @module
 */
import { assertNever } from '../errors.js';
import { formatDuration } from '../scenario/duration.js';
import type { FaultRecord, Journal, ProbeRecord, StepRecord, TargetRecord } from '../scenario/journal.js';
import { counted } from '../text/counted.js';
import type { RunEvent } from '../scenario/runner.js';
import type { StepKind } from '../scenario/schema.js';
import { paint, type OutputStyle } from './output.js';

/** A sink for run events and messages. */
export interface RunView {
  onEvent(event: RunEvent): void;
  /** A message that is not an event (a signal arrived, the journal was written). */
  note(text: string): void;
  /** Stops redrawing; the last frame stays on screen. */
  close(journal: Journal): void;
}

/** `[  +12.345s]`: a time on the timeline, fixed width. */
export function stamp(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  return `[${`${sign}${(Math.abs(ms) / 1000).toFixed(3)}s`.padStart(10)}]`;
}

/**
 * Whether a step's end gets its own line: toxics and actions say what they did as their faults
 * come and go; ramps, monkeys and waits are over only when their time is.
 */
function endIsNews(kind: StepKind): boolean {
  switch (kind) {
    case 'toxic':
    case 'action':
    case 'exec':
      return false;
    case 'ramp':
    case 'monkey':
    case 'wait':
      return true;
    default:
      return assertNever(kind, 'step kind');
  }
}

/** The targets that take the run's changes now (every target, for a journal without fleet records). */
function activeTargets(journal: Journal): number {
  return journal.fleet.targets.filter((t) => t.status === 'active').length || journal.targets.length;
}

/** ` on 2 targets` for a fleet: one fault is applied on each of them. */
function fleet(journal: Journal): string {
  const n = activeTargets(journal);
  return n > 1 ? ` on ${counted(n, 'target')}` : '';
}

/** `target #1 http://10.0.0.6:8474`, and the name that found it. */
function targetName(t: TargetRecord): string {
  return `target #${t.index} ${t.url}${t.source !== t.url ? ` (${t.source})` : ''}`;
}

/** The fleet in one line: how many targets take changes, and which were lost. */
export function fleetLine(journal: Journal): string | undefined {
  const all = journal.fleet.targets;
  if (all.length < 2) return undefined;
  const lost = all.filter((t) => t.status !== 'active');
  const active = all.length - lost.length;
  return `targets: ${active} of ${all.length} active (policy ${journal.fleet.policy})${lost.map((t) => `, #${t.index} ${t.status}`).join('')}`;
}

/** A fault in place, with a ramp's current value (what its last update changed). */
function faultInPlace(f: FaultRecord, journal: Journal): string {
  const last = f.updates?.[f.updates.length - 1];
  const moved = last ? Object.entries(last.attributes).filter(([k, v]) => JSON.stringify(f.attributes[k]) !== JSON.stringify(v)) : [];
  const value = moved.map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join('');
  const n = activeTargets(journal);
  return `${f.toxic}@${f.proxy}${value}${n > 1 ? ` ×${n}` : ''}`;
}

function stepName(journal: Journal, index: number): string {
  const step = journal.steps[index];
  if (!step) return `step ${index + 1}`;
  return `step ${index + 1}${step.name !== undefined ? ` (${step.name})` : ''}`;
}

/** The line for one event, or undefined when it is not worth a line. */
export function eventLine(event: RunEvent): string | undefined {
  const journal = event.journal;
  const at = stamp(journal.status === 'pending' ? 0 : journal.elapsed_ms);
  switch (event.type) {
    case 'status':
      if (event.journal.status === 'rolling_back') return `${at} rolling back`;
      return undefined;
    case 'step': {
      const step = journal.steps[event.step];
      if (!step) return undefined;
      if (step.status === 'running') return `${at} ${stepName(journal, event.step)} started: ${step.label}`;
      if (step.status === 'done' && endIsNews(step.kind)) return `${at} ${stepName(journal, event.step)} done`;
      if (step.status === 'failed') return `${at} ${stepName(journal, event.step)} failed: ${step.error ?? ''}`;
      return undefined;
    }
    case 'fault': {
      const f = event.fault;
      const where = `${f.proxy}${fleet(journal)}`;
      if (event.change === 'applied')
        return `${at} fault applied: ${f.type} ${f.toxic} on ${where}${f.lease_ms !== null ? ` (lease ${formatDuration(f.lease_ms)})` : ''}`;
      if (event.change === 'reverted') return `${at} fault reverted: ${f.toxic} on ${where} (by ${f.reverted_by ?? 'runner'})`;
      const last = f.updates?.[f.updates.length - 1];
      return last
        ? `${at} fault updated: ${f.toxic} on ${f.proxy}: ${Object.entries(last.attributes)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(' ')}`
        : undefined;
    }
    case 'action': {
      // An action step's own line says what it did; a monkey's actions, a process signalled, a
      // command's exit code and a held action's end are news.
      const a = event.action;
      const detail =
        a.pid !== undefined ? ` (pid ${a.pid}, ${a.signal ?? ''})` : a.command ? ` (exit code ${String(a.command.exit_code)})` : '';
      const news = journal.steps[event.step]?.kind === 'monkey' || detail !== '' || a.planned_end_ms !== null;
      if (!news) return undefined;
      if (event.change === 'reverted') return `${at} action reverted: ${a.label} (by ${a.reverted_by ?? 'runner'})`;
      return `${at} action: ${a.label}${a.proxy !== undefined ? fleet(journal) : ''}${detail}`;
    }
    case 'probe': {
      const p = event.probe;
      const last = p.results[p.results.length - 1];
      const detail = last ? `${last.detail}, ${last.ms}ms` : '';
      if (event.changed) return `${at} probe ${p.name}: ${p.status}${detail ? ` (${detail})` : ''}`;
      if (last && !last.ok) return `${at} probe ${p.name}: check failed (${detail})`;
      return undefined;
    }
    case 'rollback': {
      const r = event.record;
      return `${at} rollback: ${r.action}${journal.targets.length > 1 ? ` on ${r.target}` : ''}${r.ok ? '' : ` FAILED: ${r.error ?? ''}`}`;
    }
    case 'warning':
      return `${at} warning: ${event.message}`;
    case 'target': {
      const t = event.target;
      if (event.change === 'joined') return `${at} ${targetName(t)} joined the fleet`;
      if (event.change === 'vanished') return `${at} ${targetName(t)} vanished: discovery no longer finds it`;
      return `${at} ${targetName(t)} failed: ${t.error ?? ''}`;
    }
  }
}

/** Plain lines, for pipes and CI logs. */
export class LogView implements RunView {
  constructor(private readonly write: (text: string) => void) {}

  onEvent(event: RunEvent): void {
    const line = eventLine(event);
    if (line !== undefined) this.write(`${line}\n`);
  }

  note(text: string): void {
    this.write(`${text}\n`);
  }

  close(): void {}
}

const STEP_ICON: Record<StepRecord['status'], string> = { pending: ' ', running: '▶', done: '✓', failed: '✗', aborted: '■', skipped: '-' };

function probeLine(style: OutputStyle, p: ProbeRecord): string {
  const last = p.results[p.results.length - 1];
  const icon =
    p.status === 'failed' ? paint(style, 'red', '✗') : p.status === 'passing' ? paint(style, 'green', '●') : paint(style, 'dim', '○');
  const counts = `${p.checks} check${p.checks === 1 ? '' : 's'}, ${p.failures} failed`;
  const lastText = last ? `, last ${last.ok ? last.detail : paint(style, 'red', last.detail)} (${last.ms}ms)` : '';
  return `  ${icon} ${p.name} [${p.mode}] ${counts}${lastText}`;
}

/** Steps shown at most; the window follows the running step. */
const STEP_WINDOW = 12;

/** The live view: a block of lines at the bottom of the terminal, redrawn at most every 100 ms. */
export class LiveView implements RunView {
  private lines = 0;
  private journal: Journal | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly style: OutputStyle,
    /** Reads the run's current time on the timeline. */
    private readonly elapsed: () => number,
  ) {
    this.write('\x1b[?25l');
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  onEvent(event: RunEvent): void {
    this.journal = event.journal;
    if (
      event.type === 'warning' ||
      event.type === 'target' ||
      (event.type === 'rollback' && !event.record.ok) ||
      (event.type === 'step' && event.journal.steps[event.step]?.status === 'failed')
    ) {
      const line = eventLine(event);
      if (line !== undefined) this.note(line);
    }
  }

  note(text: string): void {
    this.clear();
    this.write(`${text}\n`);
    this.draw();
  }

  close(journal: Journal): void {
    if (this.closed) return;
    this.journal = journal;
    this.draw();
    this.closed = true;
    clearInterval(this.timer);
    this.write('\x1b[?25h');
  }

  private clear(): void {
    if (this.lines > 0) this.write(`\x1b[${this.lines}A\x1b[J`);
    this.lines = 0;
  }

  private draw(): void {
    const journal = this.journal;
    if (!journal || this.closed) return;
    const style = this.style;
    const now = journal.status === 'finished' ? journal.elapsed_ms : this.elapsed();
    const out: string[] = [];
    const status = journal.status === 'rolling_back' ? paint(style, 'yellow', 'rolling back') : journal.status;
    out.push(
      `${paint(style, 'bold', journal.scenario.name)}  ${status}  ${formatDuration(Math.max(0, now))} / ${formatDuration(journal.planned_duration_ms)}  seed ${journal.seed}`,
    );
    const running = journal.steps.findIndex((s) => s.status === 'running' || s.status === 'pending');
    const first = Math.max(0, Math.min((running === -1 ? journal.steps.length : running) - 2, journal.steps.length - STEP_WINDOW));
    if (first > 0) out.push(paint(style, 'dim', `  … ${first} earlier step${first > 1 ? 's' : ''}`));
    for (const step of journal.steps.slice(first, first + STEP_WINDOW)) {
      const icon = STEP_ICON[step.status];
      const colored =
        step.status === 'done'
          ? paint(style, 'green', icon)
          : step.status === 'failed'
            ? paint(style, 'red', icon)
            : step.status === 'running'
              ? paint(style, 'yellow', icon)
              : icon;
      const label = step.name !== undefined ? `${step.name}: ${step.label}` : step.label;
      const text = step.status === 'pending' ? paint(style, 'dim', label) : label;
      out.push(`  ${colored} ${`+${formatDuration(step.planned_start_ms)}`.padEnd(8)} ${text}`);
    }
    const rest = journal.steps.length - first - STEP_WINDOW;
    if (rest > 0) out.push(paint(style, 'dim', `  … ${rest} more`));
    const faults = journal.steps.flatMap((s) => s.faults).filter((f) => f.applied_ms !== null && f.reverted_ms === null);
    out.push(`faults in place: ${faults.length === 0 ? 'none' : faults.map((f) => faultInPlace(f, journal)).join(', ')}`);
    const targets = fleetLine(journal);
    if (targets !== undefined) out.push(targets);
    // A proxy down, a process stopped: held actions show while they last.
    const held = journal.steps
      .flatMap((s) => s.actions ?? [])
      .filter((a) => a.applied_ms !== null && a.reverted_ms === null && (a.type === 'disable' || a.signal === 'SIGSTOP'));
    if (held.length > 0)
      out.push(`down: ${held.map((a) => (a.pid !== undefined ? `pid ${a.pid} (stopped)` : (a.proxy ?? a.label))).join(', ')}`);
    if (journal.probes.length > 0) {
      out.push('probes:');
      for (const p of journal.probes) out.push(probeLine(style, p));
    }
    const columns = process.stdout.columns > 20 ? process.stdout.columns : 120;
    this.clear();
    this.write(`${out.map((l) => cut(l, columns)).join('\n')}\n`);
    this.lines = out.length;
  }
}

/** Cuts a line to the terminal width (colour codes do not count), so redraws stay aligned. */
function cut(line: string, columns: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      if (end !== -1) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= columns - 1) break;
    out += line[i];
    visible++;
  }
  return line.includes('\x1b') ? `${out}\x1b[0m` : out;
}
