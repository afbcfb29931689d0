// A plan's metric triggers as Prometheus alerting rules (`rollback plan rules`), so that a
// team routing through Alertmanager alerts on exactly what the plan says instead of copying
// thresholds by hand. Each rule mirrors the trigger's evaluation (src/policy/triggers.ts):
// the query compared with the limit in the unit the samples come in, `for:` the hold window,
// one alert per `per` series, and the labels and annotations the webhook reads. What a rule
// cannot say the same way is refused, naming the trigger and field. Pure: no I/O.
import { stringify } from 'yaml';
import { HELD_FOR_ANNOTATION, PLAN_LABEL, SERVICE_LABEL, VALUE_ANNOTATION } from './alertLabels';
import { formatDuration, parseDuration } from './duration';
import { type Comparator, parseQuantity, SAMPLE_UNITS, type SampleUnit, scaled } from './quantity';
import type { MetricCondition, MetricTrigger, Plan, Trigger } from './schema';

export interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleProblem {
  trigger: string;
  /** Path of the plan field, e.g. `triggers[1].condition.baseline`. */
  field: string;
  message: string;
}

/** The plan has triggers that a Prometheus rule cannot express as the plan evaluates them. */
export class RulesError extends Error {
  constructor(
    readonly plan: string,
    readonly problems: readonly RuleProblem[],
  ) {
    super(`plan ${plan} cannot be written as Prometheus rules:\n${problems.map((p) => `  ${p.field} (${p.trigger}): ${p.message}`).join('\n')}`);
    this.name = 'RulesError';
  }
}

const PROMQL_OP: Record<Comparator, string> = { '>': '>', '>=': '>=', '<': '<', '<=': '<=', '=': '==' };

/** How a raw sample is written as a quantity the webhook parses back into base units. */
const VALUE_SUFFIX: Record<SampleUnit, string> = { ratio: '', '%': '%', ms: 'ms', s: 's' };

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A bare series selector (`up`, `http_requests_total{code="500"}`) needs no parentheses. */
const SELECTOR = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/;

/** A query that names an HTTP endpoint instead of PromQL ("/api/metrics/gate"). */
const NOT_PROMQL = /^\s*(\/|https?:\/\/)/;

class Refusal extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A base-unit quantity in the unit the samples come in (0.5% with ratio samples is 0.005, 200ms with seconds 0.2). */
function inSampleUnit(base: number, condition: MetricCondition): number {
  return scaled(base, 1 / SAMPLE_UNITS[condition.sampleUnit ?? 'ratio']);
}

/** PromQL durations have no fractions (1.5h is written 90m), and the webhook's quantities no days (1d is 24h). */
function promDuration(text: string): string {
  return formatDuration(parseDuration(text));
}

/** An operand of any expression (a subquery included): parenthesised unless a bare selector. */
function operand(expr: string): string {
  return SELECTOR.test(expr.trim()) ? expr.trim() : `(${expr})`;
}

/**
 * The condition's query as the evaluation sees it: one value per `per` series (the worst
 * when several carry the same label value, as the evaluation's evidence reports), else as
 * the query gives it.
 */
function subject(query: string, condition: MetricCondition, op: Comparator): string {
  if (!condition.per) return operand(query);
  return `${op.startsWith('<') ? 'min' : 'max'} by (${condition.per}) (${query})`;
}

function baselineLimit(condition: MetricCondition, query: string): { op: Comparator; limit: string } {
  const baseline = condition.baseline!;
  const change = parseQuantity((baseline.relative ?? baseline.absolute)!).value;
  const op: Comparator = change >= 0 ? '>' : '<';
  let source: string;
  if (baseline.query !== undefined) {
    if (NOT_PROMQL.test(baseline.query)) throw new Refusal('condition.baseline.query', `"${baseline.query}" is an endpoint, not PromQL`);
    source = subject(baseline.query, condition, op);
  } else if (baseline.window !== undefined) {
    // The window ends where the hold window begins, so a breach does not raise its own baseline.
    const offset = condition.for ? ` offset ${promDuration(condition.for)}` : '';
    const own = subject(query, condition, op);
    source = `avg_over_time(${condition.per ? `(${own})` : own}[${promDuration(baseline.window)}:]${offset})`;
  } else {
    throw new Refusal(
      'condition.baseline',
      'a Prometheus rule needs to know where the baseline comes from: give "query" (PromQL for the baseline) or "window" (to average the condition\'s own query)',
    );
  }
  if (baseline.relative !== undefined) return { op, limit: `${source} * ${scaled(1 + change, 1)}` };
  const step = inSampleUnit(Math.abs(change), condition);
  return { op, limit: `${source} ${change >= 0 ? '+' : '-'} ${step}` };
}

function expression(condition: MetricCondition): string {
  const query = condition.query ?? condition.metric;
  if (NOT_PROMQL.test(query)) {
    throw new Refusal('condition.query', `"${query}" is an endpoint, not PromQL: give the PromQL query that reads ${condition.metric} from Prometheus`);
  }
  if (condition.per !== undefined && !LABEL_NAME.test(condition.per)) {
    throw new Refusal('condition.per', `"${condition.per}" is not a Prometheus label name`);
  }
  if (condition.threshold !== undefined) {
    const op = condition.op!;
    return `${subject(query, condition, op)} ${PROMQL_OP[op]} ${inSampleUnit(parseQuantity(condition.threshold).value, condition)}`;
  }
  const { op, limit } = baselineLimit(condition, query);
  return `${subject(query, condition, op)} ${PROMQL_OP[op]} ${limit}`;
}

export interface RuleOptions {
  /** The service the alerts are for (the `service` label). */
  service: string;
  /** Labels every alert carries besides the plan's, e.g. the canary phase a decision table reads. */
  labels?: Readonly<Record<string, string>>;
}

function ruleFor(plan: Plan, options: RuleOptions, trigger: MetricTrigger): PrometheusRule {
  const { condition } = trigger;
  const { alertname, ...matchLabels } = trigger.match ?? {};
  // Prometheus templates print floats as Go does (1e-05); the webhook wants a plain decimal.
  const value = `{{ printf "%.9f" $value | reReplaceAll "\\\\.?0+$" "" }}${VALUE_SUFFIX[condition.sampleUnit ?? 'ratio']}`;
  return {
    alert: alertname ?? trigger.name,
    expr: expression(condition),
    ...(condition.for ? { for: promDuration(condition.for) } : {}),
    labels: {
      ...options.labels,
      ...matchLabels,
      [PLAN_LABEL]: plan.name,
      [SERVICE_LABEL]: options.service,
      ...(trigger.severity ? { severity: trigger.severity } : {}),
    },
    annotations: {
      ...(trigger.description ? { summary: trigger.description } : {}),
      [VALUE_ANNOTATION]: value,
      // When the alert fires the condition has held for the window (at least).
      ...(condition.for ? { [HELD_FOR_ANNOTATION]: promDuration(condition.for) } : {}),
    },
  };
}

/** A Prometheus rule file as `prometheusRuleFile` writes it. */
export interface PrometheusRuleFile {
  groups: PlanRules['group'][];
}

export interface PlanRules {
  group: { name: string; rules: PrometheusRule[] };
  /** Triggers that are not Prometheus rules: health checks the orchestrator runs, declarations by people. */
  elsewhere: Exclude<Trigger, MetricTrigger>[];
}

/** The rules for the alerts of one of the plan's services; throws RulesError listing every trigger it cannot express. */
export function prometheusRules(plan: Plan, options: RuleOptions): PlanRules {
  const { service } = options;
  if (!plan.targets.services.some((s) => s.name === service)) {
    throw new Error(`plan ${plan.name} has no service "${service}" (its services: ${plan.targets.services.map((s) => s.name).join(', ')})`);
  }
  for (const name of Object.keys(options.labels ?? {})) {
    if (!LABEL_NAME.test(name) || name === PLAN_LABEL || name === SERVICE_LABEL || name === 'alertname') {
      throw new Error(`"${name}" cannot be an extra label: use a Prometheus label name other than alertname, ${PLAN_LABEL} and ${SERVICE_LABEL}`);
    }
  }
  const rules: PrometheusRule[] = [];
  const problems: RuleProblem[] = [];
  plan.triggers.forEach((trigger, i) => {
    if (trigger.kind !== 'metric') return;
    try {
      rules.push(ruleFor(plan, options, trigger));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      problems.push({ trigger: trigger.name, field: `triggers[${i}].${error.field}`, message: error.message });
    }
  });
  if (problems.length) throw new RulesError(plan.name, problems);
  const elsewhere = plan.triggers.filter((t): t is Exclude<Trigger, MetricTrigger> => t.kind !== 'metric');
  return { group: { name: `rollback-${plan.name}`, rules }, elsewhere };
}

function whyElsewhere(trigger: Exclude<Trigger, MetricTrigger>): string {
  return trigger.kind === 'health' ? `health check "${trigger.condition.check}", run by the orchestrator` : `declared by a person (${trigger.reason})`;
}

/** The rule file Prometheus loads (`rule_files`), with a header saying where it comes from. */
export function prometheusRuleFile(plan: Plan, options: RuleOptions): string {
  const { group, elsewhere } = prometheusRules(plan, options);
  const header = [
    `# Prometheus alerting rules for plan ${plan.name}, service ${options.service}: written by`,
    `# \`rollback plan rules\`. Change the plan, not this file, and write it again.`,
    ...(elsewhere.length ? ['# Triggers of the plan that are not Prometheus rules:', ...elsewhere.map((t) => `#   ${t.name}: ${whyElsewhere(t)}`)] : []),
  ];
  return `${header.join('\n')}\n${stringify({ groups: [group] } satisfies PrometheusRuleFile, { lineWidth: 0 })}`;
}
