// `rollback plan validate`, `explain`, `rules` and `schema`, run in-process.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { parse } from 'yaml';
import { runCli } from '../../../src/cli/main';
import type { PrometheusRuleFile } from '../../../src/plan/prometheusRules';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const plans = join(__dirname, '../../../plans');
const fixtures = join(__dirname, '../../fixtures/plans');
const plan = (name: string) => join(plans, `${name}.yaml`);

describe('rollback plan validate', () => {
  it('accepts every plan under plans/ with exit 0', async () => {
    const files = readdirSync(plans).map((f) => join(plans, f));
    const { code, out } = await run('plan', 'validate', ...files);
    expect(code).toBe(0);
    expect(out).toContain(`ok ${plan('genesis-phase4')} (genesis-phase4)`);
    expect(out).toContain(`${files.length} valid, 0 invalid`);
  });

  it('refuses an invalid plan with exit 1 and file:line: path: message', async () => {
    const bad = join(fixtures, 'invalid/decision-table-hole.yaml');
    const { code, err } = await run('plan', 'validate', join(fixtures, 'valid-minimal.yaml'), bad);
    expect(code).toBe(1);
    expect(err).toContain(`${bad}:21: decisions[0].rules: decision table "main" has a hole`);
    expect(err).toContain('1 valid, 1 invalid');
  });

  it('reports a missing file as invalid, not as a crash', async () => {
    const { code, err } = await run('plan', 'validate', 'no-such-plan.yaml');
    expect(code).toBe(1);
    expect(err).toContain('no-such-plan.yaml:1: (root): cannot read the file (ENOENT)');
  });

  it('prints JSON for pipelines', async () => {
    const { code, out } = await run('plan', 'validate', '--json', join(fixtures, 'invalid/window-without-unit.yaml'));
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual([
      expect.objectContaining({ valid: false, issues: [expect.objectContaining({ path: 'triggers[0].condition.for', line: 13 })] }),
    ]);
  });

  it('exits 2 on a usage error', async () => {
    expect((await run('plan', 'validate')).code).toBe(2);
    expect((await run('plan', 'frobnicate')).code).toBe(2);
  });
});

describe('rollback plan explain — what each runbook says', () => {
  const cases: [seed: string, plan: string, args: string[], expected: string[]][] = [
    [
      '000 §1 Error Rate Threshold',
      'reserves-v11',
      ['--trigger', 'ReservesErrorRate'],
      [
        'reserves_error_rate > 0.1%',
        'roll back now, without asking',
        'Who may decide: the system alone',
        '1. flag.disable: ff_reserves_v11',
        '+5m: team-lead (U0RESTEAMLD) — reviews and confirms rollback (5-15 minutes)',
        'SLA: detected → verified within 15m',
      ],
    ],
    [
      '000 §Quick Rollback (< 30 seconds)',
      'reserves-v11',
      ['--trigger', 'ManualKillSwitch'],
      ['Level 1 "feature flag kill switch" (kill-switch), target 30s', '    1. flag.disable: ff_reserves_v11'],
    ],
    [
      '000 §3 Conservation Violations',
      'reserves-v11',
      ['--trigger', 'ConservationViolations'],
      ['Decision: prepare', 'note: investigation required', '1. flag.enable: reserves_v11_shadow_mode'],
    ],
    [
      '001 decision matrix: High | > 50% | > 30 min',
      'webapp-5-level',
      ['--trigger', 'PaymentFailures', '--severity', 'high', '--impact', '60%', '--time-to-fix', '45m'],
      [
        'Context: severity=high, impact=60%, timeToFix=45m',
        'Decision: rollback (table decision-matrix, rule 2',
        'Level 2 "configuration" (2), target 5m',
        '$ git checkout HEAD~1 -- config/',
        'if its checks fail: stop (level 4 is beyond the decided maximum 3)',
      ],
    ],
    [
      '001 §Automatic Rollback',
      'webapp-5-level',
      ['--trigger', 'HealthCheckFailures'],
      [
        'check api-health-probe fails > 3 times in a row',
        'Level 1 "feature flag" (1), target 1m',
        'if its checks fail → level 2',
        'Level 2 "configuration" (2), target 5m',
        'if its checks fail → level 3',
      ],
    ],
    [
      '001 decision matrix: Critical | All users | > 1 hour → Level 3-5, each with its target',
      'webapp-5-level',
      ['--trigger', 'DataIntegrityIssue', '--severity', 'critical', '--impact', '100%', '--time-to-fix', '90m'],
      [
        'Level 3 "code" (3), target 15m',
        'Level 4 "database migrations" (database), target 30m',
        'Level 4 "database restore from backup" (database-restore), target 30m',
        'Level 5 "full system" (5), target 1h',
      ],
    ],
    [
      '002 decision matrix: nDCG drop at 25 %',
      'lens-sprint1-canary',
      ['--trigger', 'NdcgRegression', '--phase', '25%'],
      ['Decision: ask', 'ask qa-dri (U0LENSQADRI) to decide within 5m', 'if nobody decides in 5m: rollback', '$ traffic-split --treatment 0 --control 100'],
    ],
    [
      '002 decision matrix: gate failure at 50 %',
      'lens-sprint1-canary',
      ['--trigger', 'SuccessGateFailed', '--phase', '50%'],
      ['roll back now, without asking', 'Who may decide: eng-manager (U0LENSEM001) (authority.decide[2])', 'manual: decided → drained within 5m (manual)'],
    ],
    [
      '003 §2 rollback immediately, §4.5 irreversible migration',
      'monetization-drill',
      ['--trigger', 'LoginFailing', '--migration', 'irreversible'],
      ['1. flag.disable — set AGENT_WRITE_ACTIONS_ENABLED=false', 'may not run when the migration is irreversible: fix forward instead'],
    ],
    [
      '003 §4.4 backend first, then frontend',
      'monetization-drill',
      ['--trigger', 'DataIntegrityRisk', '--migration', 'reversible'],
      [
        'deploy.run: last-known-good — wave 1: auth, partner-registry; wave 2: transactions; wave 3: agent-service, web-portal',
        '$ python3 tools/release_preflight.py --quick',
      ],
    ],
    ['003 §2 persists 5 minutes → prepare', 'monetization-drill', ['--trigger', 'CriticalApi5xx'], ['critical_api_5xx_ratio > 2% for 5m', 'Decision: prepare']],
    [
      '004 decision matrix: P95 latency > 500ms',
      'genesis-phase4',
      ['--trigger', 'P95Latency', '--value', '650ms'],
      [
        'Decision: rollback (table metric-bands, rule 9',
        'if its checks fail → level git',
        'if its checks fail → level backup',
        'if its checks fail → level emergency',
        'needs approval from dba (U0GENDBA001) within 15m; unanswered: hold',
        'SLA: decided → validated within 15m',
      ],
    ],
    [
      '004 §5 rollback types with their targets; §6.4 emergency recovery pages DevOps and leadership first; §2.4-§2.5 settle and recheck',
      'genesis-phase4',
      ['--trigger', 'P95Latency', '--value', '650ms'],
      [
        'Level 1 "feature flag to 0% and traffic drain" (flag), target 2m',
        'Level 3 "git rollback to the previous commit" (git), target 10m',
        'Level 3 "restore files from the latest backup" (backup), target 15m',
        'Level 5 "emergency recovery on a fresh instance" (emergency), target 1h — when all rollback attempts failed, system completely down\n' +
          '    1. notify.page — immediately page entire DevOps + Leadership team: devops-lead (U0GENDEVOPS), tech-lead (U0GENTECHLD), leadership (U0GENLEAD01, U0GENLEAD02)',
        'verify after 30s:\n',
        // Per check (issue 11): only the SLO tests are re-checked, only the metrics wait 10s more.
        'prometheus-targets: count(up == 1) >= 2 (first after 10s)',
        'slo-validation: $ pytest tests/test_production_health.py::TestProductionSLOs -v --tb=no exits 0 (on failure wait 60s and check again, 1×)',
      ],
    ],
    [
      '004 §5.4 data corruption: the database restore, its target',
      'genesis-phase4',
      ['--trigger', 'DataCorruption'],
      ['Level 4 "restore the database from backup" (database), target 30m'],
    ],
    [
      '004 decision matrix: service down 0-1 min',
      'genesis-phase4',
      ['--trigger', 'ServiceDown', '--held-for', '40s'],
      ['Decision: monitor', 'note: attempt restart', '$ docker-compose restart'],
    ],
    [
      '004 §1.1 manual trigger',
      'genesis-phase4',
      ['--trigger', 'SecurityVulnerability'],
      ['ask tech-lead (U0GENTECHLD) to decide within 10m', 'if nobody decides in 10m: hold'],
    ],
  ];

  it.each(cases)('%s (%s)', async (_seed, name, args, expected) => {
    const { code, out } = await run('plan', 'explain', plan(name), ...args);
    expect(code).toBe(0);
    for (const line of expected) expect(out).toContain(line);
  });

  it('exits 2 and lists the triggers when the trigger is unknown', async () => {
    const { code, err } = await run('plan', 'explain', plan('genesis-phase4'), '--trigger', 'Nope');
    expect(code).toBe(2);
    expect(err).toContain('plan genesis-phase4 has no trigger "Nope"; its triggers: ErrorRate, PassRate');
  });

  it('exits 2 when the context cannot decide, naming what is missing', async () => {
    const { code, err } = await run('plan', 'explain', plan('lens-sprint1-canary'), '--trigger', 'SuccessGateFailed');
    expect(code).toBe(2);
    expect(err).toContain('the decision needs phase');
  });

  it('exits 2 on a value without a proper unit', async () => {
    const { code, err } = await run('plan', 'explain', plan('webapp-5-level'), '--trigger', 'UxRegression', '--time-to-fix', '45');
    expect(code).toBe(2);
    expect(err).toContain('not a duration');
  });

  it('exits 1 when the plan itself is invalid', async () => {
    const { code } = await run('plan', 'explain', join(fixtures, 'invalid/unknown-step-type.yaml'), '--trigger', 'ErrorRate');
    expect(code).toBe(1);
  });
});

describe('rollback plan rules', () => {
  it("prints the rule file of the plan's service, and says which decision facts its alerts lack", async () => {
    const { code, out, err } = await run('plan', 'rules', plan('lens-sprint1-canary'), '--service', 'lens-search');
    expect(code).toBe(0);
    const rules = (parse(out) as PrometheusRuleFile).groups[0].rules;
    expect(rules.find((r) => r.alert === 'ErrorRateCritical')).toMatchObject({
      for: '2m',
      labels: { rollback_plan: 'lens-sprint1-canary', service: 'lens-search' },
    });
    // The canary matrix decides nDCG by phase: without one the webhook would refuse the alert.
    expect(err).toBe(
      'warning: the decision table of NdcgRegression reads phase, which its alerts do not carry: the webhook refuses them until they do (--label phase=…, or a label Prometheus adds)\n',
    );
  });

  it('--label puts a label on every alert, and the warning goes', async () => {
    const { code, out, err } = await run('plan', 'rules', plan('lens-sprint1-canary'), '--service', 'lens-search', '--label', 'phase=25%');
    expect(code).toBe(0);
    expect(err).toBe('');
    expect((parse(out) as PrometheusRuleFile).groups[0].rules.every((r) => r.labels.phase === '25%')).toBe(true);
  });

  it('takes the only service of a plan, and exits 2 when a plan has several and none is named', async () => {
    expect((await run('plan', 'rules', plan('checkout-demo'))).out).toContain('service: checkout');
    const { code, err } = await run('plan', 'rules', plan('lens-sprint1-canary'));
    expect(code).toBe(2);
    expect(err).toContain('plan lens-sprint1-canary has several services (lens-search, hedging-service): say which one its alerts are for with --service');
    expect((await run('plan', 'rules', plan('lens-sprint1-canary'), '--service', 'nope')).code).toBe(2);
    expect((await run('plan', 'rules', plan('checkout-demo'), '--label', 'service=other')).code).toBe(2);
  });

  it('exits 1 and prints no rules when a trigger cannot be expressed, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-cli-'));
    const file = join(dir, 'no-baseline.yaml');
    const text = readFileSync(join(fixtures, 'valid-minimal.yaml'), 'utf8').replace(
      'condition: { metric: error_rate, op: ">", threshold: 1%, for: 2m }',
      'condition: { metric: p99, baseline: { relative: "+15%" }, for: 2m }',
    );
    writeFileSync(file, text);
    const { code, out, err } = await run('plan', 'rules', file);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(
      `${file}: plan fixture cannot be written as Prometheus rules:\n  triggers[0].condition.baseline (ErrorRate): a Prometheus rule needs to know where the baseline comes from`,
    );
  });
});

describe('rollback plan schema', () => {
  it('prints the JSON Schema of plans, as committed in docs/plan.schema.json', async () => {
    const { code, out } = await run('plan', 'schema');
    expect(code).toBe(0);
    expect(out).toBe(readFileSync(join(__dirname, '../../../docs/plan.schema.json'), 'utf8'));
    expect(JSON.parse(out)).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      required: expect.arrayContaining(['triggers', 'levels']),
    });
  });
});
