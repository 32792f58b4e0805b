/**
 * `faultline validate FILE…`: checks scenario files without running them — YAML, schema, toxic
 * types and attributes, durations, references to proxies, the timeline. Exit 0 when every file is
 * valid, 2 otherwise; each mistake is printed as `file:line:col: path: message`.
 * @module
 */
import { loadScenario, ScenarioError } from '../scenario/load.js';
import { flagHelp, parseCommandArgs, UsageError, type FlagSpecs } from './args.js';
import { processIo, type CliIo } from './output.js';
import { planSummary, planText } from '../scenario/plan-text.js';

const FLAGS = {
  plan: { type: 'boolean', description: 'also print the resolved timeline of each valid file' },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpecs;

const USAGE = `Usage: faultline validate [options] FILE...

Checks scenario files without running anything. Environment references (\${NAME}) are read from
the environment, as 'faultline run' reads them.

Options:
${flagHelp(FLAGS).join('\n')}

Exit codes: 0 every file is valid, 2 a file is invalid (each mistake printed as file:line:col).
`;

/** Runs `faultline validate`; resolves to the exit code. */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  let files: string[];
  let showPlan: boolean;
  try {
    const parsed = parseCommandArgs(argv, FLAGS);
    if (parsed.values.help === true) {
      io.stdout(USAGE);
      return 0;
    }
    if (parsed.positionals.length === 0) throw new UsageError('missing argument FILE');
    files = parsed.positionals;
    showPlan = parsed.values.plan === true;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`faultline validate: ${err.message}\nRun 'faultline validate --help' for usage.\n`);
    return 2;
  }
  let invalid = 0;
  for (const file of files) {
    try {
      const { plan, variables } = await loadScenario(file, { env: io.env });
      io.stdout(`${file}: valid — ${planSummary(plan)}\n`);
      if (showPlan) io.stdout(`${planText(plan, variables)}\n`);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      invalid++;
      io.stderr(`${err.issues.join('\n')}\n`);
    }
  }
  return invalid === 0 ? 0 : 2;
}
