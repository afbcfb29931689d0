// `rollback plan validate`, `explain`, `rules` and `schema`.
import { Command } from 'commander';
import { loadPlanFile } from '../validation/files';
import { formatIssue, PlanError, type PlanIssue } from '../validation/parse';
import { prometheusRuleFile, prometheusRules, RulesError } from '../plan/prometheusRules';
import type { MetricTrigger, Plan } from '../plan/schema';
import { dimensionsOf, type Dimension } from '../policy/context';
import { findDecision, NoDecisionError, tableFor } from '../policy/decide';
import { planSchemaText } from '../plan/reference';
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
  json?: boolean;
}

function reportIssues(io: CliIo, file: string, issues: readonly PlanIssue[]): number {
  for (const issue of issues) io.err(`${file}:${issue.line ?? 1}: ${formatIssue({ ...issue, line: undefined })}\n`);
  return EXIT.invalid;
}

function explainCommand(io: CliIo, file: string, options: ExplainOptions): number {
  const loaded = load(file);
  if (!('plan' in loaded)) return reportIssues(io, file, loaded.issues);
  const { plan } = loaded;
  if (!plan.triggers.some((t) => t.name === options.trigger)) {
    throw new CliExit(EXIT.usage, `plan ${plan.name} has no trigger "${options.trigger}"; its triggers: ${plan.triggers.map((t) => t.name).join(', ')}`);
  }
  if (options.phase && plan.rollout && !plan.rollout.phases.includes(options.phase)) {
    throw new CliExit(EXIT.usage, `plan ${plan.name} has no phase "${options.phase}"; its phases: ${plan.rollout.phases.join(', ')}`);
  }
  const { json, ...given } = options;
  const label = Object.entries(given)
    .filter(([key]) => key !== 'trigger')
    .map(([key, text]) => `${key}=${String(text)}`)
    .join(', ');
  const context = { ...contextFromOptions(given), trigger: options.trigger };
  try {
    const lines = explain(plan, context, label || '(none)');
    if (json) {
      const { outcome, table, rule } = findDecision(plan, context);
      io.out(JSON.stringify({ plan: plan.name, context, decision: { table: table.name, rule, outcome }, explanation: lines }, null, 2) + '\n');
    } else io.out(lines.join('\n') + '\n');
  } catch (error) {
    if (error instanceof NoDecisionError) throw new CliExit(EXIT.usage, error.message);
    throw error;
  }
  return EXIT.ok;
}

/** The service the alerts are for: the one named, else the plan's only one. */
function alertService(plan: Plan, named: string | undefined): string {
  const services = plan.targets.services.map((s) => s.name);
  if (named !== undefined) {
    if (services.includes(named)) return named;
    throw new CliExit(EXIT.usage, `plan ${plan.name} has no service "${named}"; its services: ${services.join(', ')}`);
  }
  if (services.length === 1) return services[0];
  throw new CliExit(EXIT.usage, `plan ${plan.name} has several services (${services.join(', ')}): say which one its alerts are for with --service`);
}

/** `--label name=value`, repeatable. */
function collectLabel(text: string, labels: Record<string, string>): Record<string, string> {
  const at = text.indexOf('=');
  if (at <= 0) throw new CliExit(EXIT.usage, `--label takes name=value, not "${text}"`);
  return { ...labels, [text.slice(0, at)]: text.slice(at + 1) };
}

/** Decision facts the trigger's table reads that its alerts will not carry: the webhook would refuse them. */
function factsAlertsLack(plan: Plan, trigger: MetricTrigger, labels: Record<string, string>): Dimension[] {
  const rules = tableFor(plan, trigger.name)?.rules.filter((r) => !r.when.trigger || r.when.trigger.includes(trigger.name)) ?? [];
  const carried = new Set<string>(['value', ...Object.keys(labels)]);
  if (trigger.condition.for) carried.add('heldFor');
  if (trigger.severity) carried.add('severity');
  return [...new Set(rules.flatMap((r) => dimensionsOf(r.when)))].filter((d) => !carried.has(d));
}

function rulesCommand(io: CliIo, file: string, options: { service?: string; label: Record<string, string>; json?: boolean }): number {
  const loaded = load(file);
  if (!('plan' in loaded)) return reportIssues(io, file, loaded.issues);
  const { plan } = loaded;
  const labels = options.label;
  let text: string;
  try {
    const ruleOptions = { service: alertService(plan, options.service), labels };
    // JSON is YAML too: Prometheus loads either.
    text = options.json ? JSON.stringify({ groups: [prometheusRules(plan, ruleOptions).group] }, null, 2) + '\n' : prometheusRuleFile(plan, ruleOptions);
  } catch (error) {
    if (error instanceof RulesError) {
      io.err(`${file}: ${error.message}\n`);
      return EXIT.invalid;
    }
    if (error instanceof CliExit) throw error;
    throw new CliExit(EXIT.usage, (error as Error).message);
  }
  io.out(text);
  for (const trigger of plan.triggers) {
    if (trigger.kind !== 'metric') continue;
    const lacking = factsAlertsLack(plan, trigger, labels);
    if (lacking.length) {
      io.err(
        `warning: the decision table of ${trigger.name} reads ${lacking.join(', ')}, which its alerts do not carry: ` +
          `the webhook refuses them until they do (--label ${lacking[0]}=…, or a label Prometheus adds)\n`,
      );
    }
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
    .requiredOption('--trigger <name>', 'trigger name')
    .option('--json', 'print the decision and the explanation as JSON');
  addContextOptions(explainCmd).action((file: string, options: ExplainOptions) => setExit(explainCommand(io, file, options)));
  plan
    .command('rules')
    .description("print the plan's metric triggers as a Prometheus rule file, for alerts routed through Alertmanager")
    .argument('<file>', 'plan file (YAML)')
    .option('--service <name>', "the service the alerts are for (default: the plan's only service)")
    .option('--label <name=value>', 'a label every alert carries, e.g. the canary phase a decision table reads (repeatable)', collectLabel, {})
    .option('--json', 'print the rule file as JSON (Prometheus reads it as well)')
    .action((file: string, options: { service?: string; label: Record<string, string>; json?: boolean }) => setExit(rulesCommand(io, file, options)));
  plan
    .command('schema')
    .description('print the JSON Schema of plan files (what docs/plan.schema.json holds), for editors and CI')
    // The schema is JSON already: --json is accepted, as by every command that prints data.
    .option('--json', 'the same output (it is JSON)')
    .action(() => io.out(planSchemaText()));
  return plan;
}
