/**
 * A finished run as JUnit XML, so CI systems show a game day as they show tests: one test suite
 * (the scenario), one test case per probe and per step. A failed probe or step is a `<failure>`
 * with the reason; a step cut short when the run stopped is a failure too; a probe that never ran
 * and a step never reached are `<skipped>`. The actions a step took (a monkey's disables, a process
 * paused, a command and its exit code) are its `<system-out>`. A rollback that could not undo
 * everything is an error of the suite.
 * @module
 */
import { rename, writeFile } from 'node:fs/promises';
import type { ActionRecord, Journal, ProbeRecord, StepRecord } from './journal.js';
import type { CommandResult } from './run-command.js';

/** Escapes text for XML attributes and content; characters XML 1.0 cannot hold are dropped. */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function seconds(ms: number | null | undefined): string {
  return (Math.max(0, ms ?? 0) / 1000).toFixed(3);
}

interface Case {
  name: string;
  time: string;
  outcome: { failure: string; detail: string } | { skipped: string } | undefined;
  /** What the case did, line by line (a step's actions). */
  out?: string;
}

function commandLine(what: string, result: CommandResult | undefined): string {
  if (!result) return '';
  const how =
    result.error ??
    (result.timed_out ? 'timed out' : result.signal !== null ? `killed by ${result.signal}` : `exit code ${String(result.exit_code)}`);
  const output = result.output.trim();
  return `\n  ${what}: ${how}${output ? `\n    ${output.split('\n').slice(-5).join('\n    ')}` : ''}`;
}

/** One action of a step, for people: when, what, on which process, and how it ended. */
function actionLine(a: ActionRecord): string {
  const applied = a.applied_ms === null ? 'not taken' : `+${seconds(a.applied_ms)}s`;
  const pid = a.pid !== undefined ? ` pid ${a.pid} ${a.signal ?? ''}` : '';
  const reverted = a.reverted_ms !== null ? `, reverted +${seconds(a.reverted_ms)}s by ${a.reverted_by ?? 'runner'}` : '';
  const error = a.error !== undefined ? ` — ${a.error}` : '';
  return `${applied} ${a.label}${pid}${reverted}${error}${commandLine('command', a.command)}${commandLine('rollback', a.rollback_command)}`;
}

function probeCase(probe: ProbeRecord): Case {
  const name = `probe ${probe.name} (${probe.mode}): ${probe.check}`;
  const time = seconds(probe.results.reduce((n, r) => n + r.ms, 0));
  if (probe.status === 'not_run') return { name, time, outcome: { skipped: 'the run stopped before this probe ran' } };
  if (probe.status !== 'failed') return { name, time, outcome: undefined };
  const failures = probe.results.filter((r) => !r.ok);
  const last = failures[failures.length - 1];
  return {
    name,
    time,
    outcome: {
      failure: `probe ${probe.name} failed${last ? `: ${last.detail}` : ''}`,
      detail: failures.map((r) => `+${seconds(r.at_ms)}s ${r.detail}`).join('\n'),
    },
  };
}

function stepCase(step: StepRecord, journal: Journal): Case {
  const c = stepOutcome(step, journal);
  return step.actions && step.actions.length > 0 ? { ...c, out: step.actions.map(actionLine).join('\n') } : c;
}

function stepOutcome(step: StepRecord, journal: Journal): Case {
  const name = `step ${step.index + 1}${step.name !== undefined ? ` (${step.name})` : ''}: ${step.label}`;
  const time = step.started_ms === null ? '0.000' : seconds((step.ended_ms ?? journal.elapsed_ms) - step.started_ms);
  switch (step.status) {
    case 'failed':
      return { name, time, outcome: { failure: step.error ?? 'the step failed', detail: step.error ?? '' } };
    case 'aborted':
      return { name, time, outcome: { failure: `cut short: ${journal.reason ?? 'the run stopped'}`, detail: journal.reason ?? '' } };
    case 'skipped':
    case 'pending':
      return { name, time, outcome: { skipped: `not reached: ${journal.reason ?? 'the run stopped'}` } };
    case 'running':
    case 'done':
      return { name, time, outcome: undefined };
  }
}

function caseXml(c: Case, classname: string): string {
  const open = `    <testcase classname="${xml(classname)}" name="${xml(c.name)}" time="${c.time}"`;
  const out = c.out !== undefined ? `\n      <system-out>${xml(c.out)}</system-out>` : '';
  if (!c.outcome && !out) return `${open}/>`;
  let inner = '';
  if (c.outcome && 'skipped' in c.outcome) inner = `\n      <skipped message="${xml(c.outcome.skipped)}"/>`;
  else if (c.outcome) inner = `\n      <failure message="${xml(c.outcome.failure)}">${xml(c.outcome.detail)}</failure>`;
  return `${open}>${inner}${out}\n    </testcase>`;
}

/** The run as a JUnit XML document. */
export function junitXml(journal: Journal): string {
  const classname = `faultline.${journal.scenario.name}`;
  const cases = [...journal.probes.map(probeCase), ...journal.steps.map((s) => stepCase(s, journal))];
  const failures = cases.filter((c) => c.outcome && 'failure' in c.outcome).length;
  const skipped = cases.filter((c) => c.outcome && 'skipped' in c.outcome).length;
  const rollbackFailed = journal.rollback.filter((r) => !r.ok);
  const attributes =
    `name="${xml(journal.scenario.name)}" tests="${cases.length}" failures="${failures}" errors="${rollbackFailed.length > 0 ? 1 : 0}" ` +
    `skipped="${skipped}" time="${seconds(journal.elapsed_ms)}"${journal.started_at ? ` timestamp="${xml(journal.started_at)}"` : ''}`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes}>`,
    `  <testsuite ${attributes}>`,
    '    <properties>',
    `      <property name="verdict" value="${xml(journal.verdict ?? 'unknown')}"/>`,
    `      <property name="seed" value="${xml(journal.seed)}"/>`,
    ...journal.targets.map((t) => `      <property name="target" value="${xml(t)}"/>`),
    ...(journal.reason ? [`      <property name="reason" value="${xml(journal.reason)}"/>`] : []),
    '    </properties>',
    ...cases.map((c) => caseXml(c, classname)),
  ];
  if (rollbackFailed.length > 0) {
    const text = rollbackFailed.map((r) => `${r.target}: ${r.action}: ${r.error ?? 'failed'}`).join('\n');
    lines.push(`    <system-err>${xml(`the rollback could not undo everything:\n${text}`)}</system-err>`);
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** Writes {@link junitXml} to `path`, through a temporary file so a reader never sees half of it. */
export async function writeJunit(path: string, journal: Journal): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, junitXml(journal));
  await rename(temporary, path);
}
