// `rollback plan validate` and `rollback plan explain`.
import { Command } from 'commander';
import { loadPlanFile } from '../validation/files';
import { formatIssue, PlanError, type PlanIssue } from '../validation/parse';
import type { Plan } from '../plan/schema';
import { NoDecisionError } from '../policy/decide';
import { addContextOptions, type ContextOptions, contextFromOptions } from './contextOptions';
import { explain } from './explain';
import { CliExit, EXIT, type CliIo } from './io';

type Loaded = { file: string; plan: Plan } | { file: string; issues: readonly PlanIssue[] };

function load(file: string): Loaded {
  try {
    return { file, plan: loadPlanFile(file) };
  } catch (error) {
    if (error instanceof PlanError) return { file, issues: error.issues };
    const code = (error as NodeJS.ErrnoException).code;
    if (code) return { file, issues: [{ path: '', message: `cannot read the file (${code})` }] };
    throw error;
  }
}

function validate(io: CliIo, files: string[], options: { json?: boolean }): number {
  const results = files.map(load);
  if (options.json) {
    io.out(
      JSON.stringify(
        results.map((r) => ('plan' in r ? { file: r.file, valid: true, name: r.plan.name } : { file: r.file, valid: false, issues: r.issues })),
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const r of results) {
      if ('plan' in r) io.out(`ok ${r.file} (${r.plan.name})\n`);
      // file:line: path: message — the form editors and CI annotations pick up.
      else for (const issue of r.issues) io.err(`${r.file}:${issue.line ?? 1}: ${formatIssue({ ...issue, line: undefined })}\n`);
    }
    const invalid = results.filter((r) => !('plan' in r)).length;
    const summary = `${results.length - invalid} valid, ${invalid} invalid`;
    (invalid > 0 ? io.err : io.out)(`${summary}\n`);
  }
  return results.every((r) => 'plan' in r) ? EXIT.ok : EXIT.invalid;
}

interface ExplainOptions extends ContextOptions {
  trigger: string;
}

function explainCommand(io: CliIo, file: string, options: ExplainOptions): number {
  const loaded = load(file);
  if (!('plan' in loaded)) {
    for (const issue of loaded.issues) io.err(`${file}:${issue.line ?? 1}: ${formatIssue({ ...issue, line: undefined })}\n`);
    return EXIT.invalid;
  }
  const { plan } = loaded;
  if (!plan.triggers.some((t) => t.name === options.trigger)) {
    throw new CliExit(EXIT.usage, `plan ${plan.name} has no trigger "${options.trigger}"; its triggers: ${plan.triggers.map((t) => t.name).join(', ')}`);
  }
  if (options.phase && plan.rollout && !plan.rollout.phases.includes(options.phase)) {
    throw new CliExit(EXIT.usage, `plan ${plan.name} has no phase "${options.phase}"; its phases: ${plan.rollout.phases.join(', ')}`);
  }
  const label = Object.entries(options)
    .filter(([key]) => key !== 'trigger')
    .map(([key, text]) => `${key}=${String(text)}`)
    .join(', ');
  try {
    io.out(explain(plan, { ...contextFromOptions(options), trigger: options.trigger }, label || '(none)').join('\n') + '\n');
  } catch (error) {
    if (error instanceof NoDecisionError) throw new CliExit(EXIT.usage, error.message);
    throw error;
  }
  return EXIT.ok;
}

export function planCommand(io: CliIo, setExit: (code: number) => void): Command {
  const plan = new Command('plan').description('check and explain rollback plans');
  plan
    .command('validate')
    .description('check plan files; exit 0 when all are valid, 1 when any is not')
    .argument('<files...>', 'plan files (YAML)')
    .option('--json', 'print the results as JSON')
    .action((files: string[], options: { json?: boolean }) => setExit(validate(io, files, options)));
  const explainCmd = plan
    .command('explain')
    .description('say what a plan would do for a trigger, step by step, and who may decide')
    .argument('<file>', 'plan file (YAML)')
    .requiredOption('--trigger <name>', 'trigger name');
  addContextOptions(explainCmd).action((file: string, options: ExplainOptions) => setExit(explainCommand(io, file, options)));
  return plan;
}
