// `rollback plan rules`: each metric trigger as the Prometheus rule that fires when the
// plan's own evaluation would, and alerts the webhook routes back to the same trigger.
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { routeAlert } from '../../../src/api/alertmanager';
import { prometheusRuleFile, prometheusRules, RulesError, type PrometheusRule, type PrometheusRuleFile } from '../../../src/plan/prometheusRules';
import type { Plan } from '../../../src/plan/schema';
import { DEFAULT_PLANS_DIR, loadPlanDirectory } from '../../../src/validation/files';
import { parsePlan } from '../../../src/validation/parse';

const MINIMAL = readFileSync(join(__dirname, '../../fixtures/plans/valid-minimal.yaml'), 'utf8');

/** The minimal fixture plan with these triggers, all rolled back by one rule. */
function planWith(...triggers: object[]): Plan {
  const doc = parse(MINIMAL) as Record<string, unknown>;
  const named = triggers.map((t, i) => ({ name: `T${i}`, kind: 'metric', ...t }));
  const names = named.map((t) => t.name);
  doc.triggers = named;
  doc.decisions = [{ name: 'main', triggers: names, rules: [{ when: { trigger: names }, outcome: { action: 'rollback', level: 1 } }] }];
  return parsePlan(stringify(doc), 'fixture.yaml');
}

function onlyRule(condition: object, extra: object = {}): PrometheusRule {
  return prometheusRules(planWith({ condition, ...extra }), { service: 'api' }).group.rules[0];
}

describe('the expression compares the query with the limit in the unit its samples come in', () => {
  it.each([
    [
      'a percentage with ratio samples',
      { metric: 'm', query: 'sum(rate(e[1m])) / sum(rate(r[1m]))', op: '>', threshold: '0.5%' },
      '(sum(rate(e[1m])) / sum(rate(r[1m]))) > 0.005',
    ],
    ['milliseconds with samples in seconds', { metric: 'p95', sampleUnit: 's', op: '>=', threshold: '200ms' }, 'p95 >= 0.2'],
    ['a percentage with samples in percent', { metric: 'cpu', sampleUnit: '%', op: '>', threshold: '95%' }, 'cpu > 95'],
    ['milliseconds with samples in the base unit', { metric: 'latency_ms', op: '>', threshold: '500ms' }, 'latency_ms > 500'],
    ['a bare number, "=" as PromQL writes it', { metric: 'up{job="api"}', op: '=', threshold: 0 }, 'up{job="api"} == 0'],
    [
      'a URL inside a matcher is still PromQL',
      { metric: 'probe', query: 'probe_success{target="http://api"}', op: '<', threshold: 1 },
      'probe_success{target="http://api"} < 1',
    ],
    ['a floor', { metric: 'ndcg', op: '<', threshold: 0.5184 }, 'ndcg < 0.5184'],
  ])('%s', (_, condition, expr) => {
    expect(onlyRule(condition).expr).toBe(expr);
  });

  it('per series: one value per label value (the worst, as the evidence reports), kept as the alert label', () => {
    expect(onlyRule({ metric: 'shard_cpu', op: '>', threshold: '95%', per: 'shard' }).expr).toBe('max by (shard) (shard_cpu) > 0.95');
    expect(onlyRule({ metric: 'free', op: '<', threshold: '5%', per: 'shard' }).expr).toBe('min by (shard) (free) < 0.05');
  });

  it('relative to a baseline window that ends where the hold window begins', () => {
    const rule = onlyRule({ metric: 'p99', query: 'histogram_quantile(0.99, x)', sampleUnit: 's', baseline: { relative: '+15%', window: '1h' }, for: '5m' });
    expect(rule.expr).toBe('(histogram_quantile(0.99, x)) > avg_over_time((histogram_quantile(0.99, x))[1h:] offset 5m) * 1.15');
  });

  it('below a baseline query, per series, by an absolute step in the sample unit', () => {
    const rule = onlyRule({ metric: 'p95', sampleUnit: 's', per: 'route', baseline: { absolute: '-50ms', query: 'p95_baseline' } });
    expect(rule.expr).toBe('min by (route) (p95) < min by (route) (p95_baseline) - 0.05');
  });

  it('a relative drop over a window, without a hold window', () => {
    expect(onlyRule({ metric: 'rps', baseline: { relative: '-10%', window: '90m' } }).expr).toBe('rps < avg_over_time(rps[90m:]) * 0.9');
  });
});

describe('what the alert carries', () => {
  it('for: the hold window, in a duration Prometheus reads; the labels and annotations the webhook reads', () => {
    const rule = onlyRule({ metric: 'p95', sampleUnit: 's', op: '>', threshold: '5s', for: '1.5h' }, { severity: 'critical', description: 'p95 above 5s' });
    expect(rule).toEqual({
      alert: 'T0',
      expr: 'p95 > 5',
      for: '90m',
      labels: { rollback_plan: 'fixture', service: 'api', severity: 'critical' },
      annotations: { summary: 'p95 above 5s', value: '{{ printf "%.9f" $value | reReplaceAll "\\\\.?0+$" "" }}s', held_for: '90m' },
    });
  });

  it("a trigger's match: its alertname names the alert, its other labels are on it", () => {
    const rule = onlyRule({ metric: 'm', op: '>', threshold: 1 }, { match: { alertname: 'HighErrors', team: 'payments' } });
    expect(rule.alert).toBe('HighErrors');
    expect(rule.labels).toMatchObject({ team: 'payments', rollback_plan: 'fixture' });
  });

  it('extra labels (a canary phase) are on every alert, and cannot replace the plan or service', () => {
    const plan = planWith({ condition: { metric: 'm', op: '>', threshold: 1 } });
    expect(prometheusRules(plan, { service: 'api', labels: { phase: '25%' } }).group.rules[0].labels).toMatchObject({ phase: '25%', service: 'api' });
    expect(() => prometheusRules(plan, { service: 'api', labels: { service: 'other' } })).toThrow('"service" cannot be an extra label');
    expect(() => prometheusRules(plan, { service: 'nope' })).toThrow('plan fixture has no service "nope" (its services: api)');
  });

  it('health and manual triggers are listed as not being Prometheus rules', () => {
    const text = prometheusRuleFile(loadPlanDirectory(DEFAULT_PLANS_DIR).get('checkout-demo')!, { service: 'checkout' });
    expect(text).toContain('#   CheckoutDown: health check "api-health", run by the orchestrator');
    expect((parse(text) as PrometheusRuleFile).groups[0].rules.map((r) => r.alert)).toEqual(['CheckoutErrorRateHigh']);
  });
});

describe('what a rule cannot say as the plan does is refused, naming the trigger and field', () => {
  it('lists every such trigger at once', () => {
    const plan = planWith(
      { condition: { metric: 'gate', query: '/api/metrics/gate', op: '>', threshold: '0.1%' } },
      { condition: { metric: 'p99', baseline: { relative: '+15%' } } },
      { condition: { metric: 'ok', op: '>', threshold: 1 } },
      { condition: { metric: 'cpu', op: '>', threshold: 1, per: 'shard-id' } },
    );
    const error = (() => {
      try {
        prometheusRules(plan, { service: 'api' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RulesError);
    expect((error as RulesError).problems).toEqual([
      { trigger: 'T0', field: 'triggers[0].condition.query', message: expect.stringContaining('"/api/metrics/gate" is an endpoint, not PromQL') },
      { trigger: 'T1', field: 'triggers[1].condition.baseline', message: expect.stringContaining('where the baseline comes from') },
      { trigger: 'T3', field: 'triggers[3].condition.per', message: '"shard-id" is not a Prometheus label name' },
    ]);
  });
});

describe('every plan under plans/: the webhook routes each generated alert back to its trigger', () => {
  const plans = loadPlanDirectory(DEFAULT_PLANS_DIR);
  const cases = [...plans.values()].map((plan) => [plan.name, plan.targets.services.at(-1)!.name, plan] as const);

  it.each(cases)('%s, service %s', (_, service, plan) => {
    // A canary plan's tables may read the phase: the alerts carry one (`--label phase=…`).
    const labels = plan.rollout ? { phase: plan.rollout.phases[0] } : undefined;
    const { group } = prometheusRules(plan, { service, ...(labels ? { labels } : {}) });
    const metricTriggers = plan.triggers.filter((t) => t.kind === 'metric');
    expect(group.rules).toHaveLength(metricTriggers.length);
    group.rules.forEach((rule, i) => {
      // The value as Prometheus renders the template for a sample of 0.042.
      const value = rule.annotations.value.replace(/^\{\{.*\}\}/, '0.042');
      const alert = {
        status: 'firing' as const,
        labels: { alertname: rule.alert, ...rule.labels },
        annotations: { ...rule.annotations, value },
        startsAt: '2026-12-01T00:00:00Z',
        fingerprint: 'c0ffee',
      };
      const routed = routeAlert(plans, alert, 0, '2026-12-01T00:00:01Z');
      expect({ plan: routed.plan.name, service: routed.service, trigger: routed.trigger.name }).toEqual({
        plan: plan.name,
        service,
        trigger: metricTriggers[i].name,
      });
      const sampleUnit = metricTriggers[i].kind === 'metric' ? metricTriggers[i].condition.sampleUnit : undefined;
      expect(routed.context.value).toBe({ s: 42, ms: 0.042, '%': 0.00042, ratio: 0.042 }[sampleUnit ?? 'ratio']);
    });
  });
});
