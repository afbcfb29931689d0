// Rules runbooks state that the plan language gained in issue 11, each run on the real dev
// server with short plan-data windows: how long people escalation goes on
// (authority.escalationScope), settle and re-check per check, and time targets by canary
// phase and by who decided. What a person would notice: who was paged and when, when each
// check ran, and which targets the scorecard holds the run to.
import type { Client } from '@temporalio/client';
import { buildReport, renderMarkdown } from '../../src/report';
import { parsePlan } from '../../src/validation/parse';
import type { Plan } from '../../src/plan/schema';
import { approveSignal, recordQuery } from '../../src/workflows/messages';
import { eventually, flagFile, type HealthEndpoint, healthEndpoint, type TestWorker, uniqueName, useSuiteWorld } from '../support/harness';
import { APPROVER, OUTSIDER } from './fixturePlan';
import { events, startRun, waitForApprovalRequest } from './runs';

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
useSuiteWorld({}, (world) => ({ client, worker, health } = world));

interface Parts {
  flags: string;
  /** Extra lines under `authority:`. */
  authority?: string;
  /** Replaces the level's checks and the plan's `checks:` section. */
  checks?: { level: string; section: string };
  verification?: string;
  timing?: string;
  monitoring?: string;
  rollout?: string;
}

/** `Degraded` asks the on-call (window 1m, default hold); level 1 turns `new_checkout` off. */
function rulesPlan(parts: Parts): Plan {
  const name = uniqueName('rules-plan');
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${name}
targets: { services: [{ name: checkout }] }
${parts.rollout ?? ''}
triggers:
  - { name: Degraded, kind: metric, condition: { metric: error_rate, op: '>', threshold: 2%, for: 5m } }
decisions:
  - name: main
    triggers: [Degraded]
    rules:
      - when: { trigger: Degraded }
        outcome: { action: ask, window: 1m, default: hold, approvers: [oncall], level: 1 }
authority:
  roles:
    oncall: { title: On-call, members: [${APPROVER}] }
    manager: { title: Engineering manager, members: [${OUTSIDER}] }
  decide: [{ when: { trigger: Degraded }, roles: [oncall, manager] }]
${parts.authority ?? ''}
levels:
  - level: 1
    name: feature flag
    steps: [{ type: flag.disable, flag: new_checkout }]
    checks: ${parts.checks?.level ?? '[health]'}
checks:
${parts.checks?.section ?? `  health: { type: http, url: ${health.url}, attempts: 1, timeout: 2s }`}
${parts.verification ?? ''}
${parts.timing ?? ''}
${parts.monitoring ?? ''}
adapters:
  flags: { type: file, path: ${JSON.stringify(parts.flags)} }
  commands: { cwd: ${JSON.stringify(process.env.ROLLBACK_TEST_DIR ?? '/tmp')} }
notifications: { templates: {} }
`,
    `${name}.yaml`,
  );
}

describe('authority.escalationScope: how long people escalation goes on', () => {
  // The on-call at once, the manager 10 s in; the on-call approves at once, the rollback is
  // quick, and monitoring keeps the run open for 15 s after it.
  const MANAGER_AFTER_MS = 10_000;
  async function runWithScope(scope?: string) {
    const plan = rulesPlan({
      flags: await flagFile({ new_checkout: true }),
      authority: `  escalation:\n    - { after: 0s, roles: [oncall] }\n    - { after: ${MANAGER_AFTER_MS}ms, roles: [manager] }\n${scope ? `  escalationScope: ${scope}\n` : ''}`,
      monitoring: 'monitoring: { cycles: 1, interval: 15s, checks: [] }',
    });
    const handle = await startRun(client, worker.taskQueue, plan, 'Degraded');
    await waitForApprovalRequest(handle);
    await handle.signal(approveSignal, { by: APPROVER, reason: 'roll it back' });
    const result = await handle.result();
    return { result, record: await handle.query(recordQuery) };
  }

  test('"decision" stops at the first decision, the default at the end of the rollback, "run" pages the manager during monitoring', async () => {
    const [decision, byDefault, run] = await Promise.all([runWithScope('decision'), runWithScope(undefined), runWithScope('run')]);
    for (const { result, record } of [decision, byDefault, run]) {
      expect(result.outcome).toBe('rolled-back');
      // The decision came before the manager's step was due, so only "run" may page them.
      expect(Date.parse(record.milestones.decided!) - Date.parse(record.milestones.detected!)).toBeLessThan(MANAGER_AFTER_MS);
    }
    const paged = (r: typeof run) => r.record.escalations.map((e) => e.roles.join('+'));
    expect(paged(decision)).toEqual(['oncall']);
    expect(paged(byDefault)).toEqual(['oncall']);
    expect(paged(run)).toEqual(['oncall', 'manager']);

    const ended = (r: typeof run) => r.result.timeline.filter((e) => e.event === 'people escalation ended');
    // "decision": ended when the on-call decided, before anything was rolled back.
    expect(ended(decision).map((e) => e.detail)).toEqual(['decided: 1 later step(s) not paged (escalationScope decision)']);
    expect(Date.parse(ended(decision)[0].at)).toBeLessThan(Date.parse(decision.record.milestones['rolled-back']!));
    // The default: ended once the rollback verified, before monitoring.
    expect(ended(byDefault).map((e) => e.detail)).toEqual(['rollback ended: 1 later step(s) not paged (escalationScope rollback)']);
    expect(Date.parse(ended(byDefault)[0].at)).toBeGreaterThanOrEqual(Date.parse(byDefault.record.milestones.validated!));
    // "run": the manager was paged while monitoring, after the rollback had verified.
    expect(ended(run)).toEqual([]);
    const managerPaged = Date.parse(run.record.escalations[1].at);
    expect(managerPaged).toBeGreaterThan(Date.parse(run.record.milestones.validated!));
    expect(managerPaged - Date.parse(run.record.milestones.detected!)).toBeGreaterThanOrEqual(MANAGER_AFTER_MS);
    expect(events(run.result).lastIndexOf('people escalation')).toBeGreaterThan(events(run.result).indexOf('stage: monitor'));
  });
});

describe('settle and re-check per check (seed 004 §2.4 "wait for metrics to populate", §2.5 SLO re-check)', () => {
  test('only the check that asks waits before its first run, only the check that asks is checked again; the level re-checks nothing', async () => {
    const slo = await healthEndpoint(503);
    try {
      const plan = rulesPlan({
        flags: await flagFile({ new_checkout: true }),
        checks: {
          level: '[slo, metrics]',
          section: [
            `  slo: { type: http, url: ${slo.url}, attempts: 1, timeout: 2s, recheckAfter: 2s, rechecks: 1 }`,
            `  metrics: { type: http, url: ${health.url}, attempts: 1, timeout: 2s, settle: 1500ms }`,
          ].join('\n'),
        },
        verification: 'verification: { settle: 0s, rechecks: 0 }',
      });
      const handle = await startRun(client, worker.taskQueue, plan, 'Degraded');
      await waitForApprovalRequest(handle);
      await handle.signal(approveSignal, { by: APPROVER, reason: 'roll it back' });
      // The SLOs come back once the first probe has seen them fail.
      await eventually(
        () => slo.hits(),
        (hits) => hits >= 1,
      );
      slo.setStatus(200);
      const result = await handle.result();

      expect(result.outcome).toBe('rolled-back');
      expect(result.checks.map((c) => [c.check, c.verdict])).toEqual([
        ['slo', 'failed'],
        ['metrics', 'passed'],
        ['slo', 'passed'],
      ]);
      const [sloFirst, metrics, sloAgain] = result.checks.map((c) => Date.parse(c.attempts[0].at));
      // metrics waited its own 1.5 s after the check before it; slo was checked again 2 s after that pass.
      expect(metrics - sloFirst).toBeGreaterThanOrEqual(1500);
      expect(sloAgain - metrics).toBeGreaterThanOrEqual(2000);
      expect(result.timeline.filter((e) => e.event === 'checks failed; waiting to re-check').map((e) => e.detail)).toEqual(['slo again after 2s']);
      expect(events(result)).toContain('settling before metrics');
    } finally {
      await slo.close();
    }
  });
});

describe('time targets by canary phase and by who decided (seed 002 §Canary Phase Rollback Decisions, seed 000 §Escalation Path)', () => {
  test('a run at 25 % decided by the on-call is held to the 25 % and on-call targets only, and the report says which runs each target is for', async () => {
    const plan = rulesPlan({
      flags: await flagFile({ new_checkout: true }),
      rollout: 'rollout: { phases: ["5%", "25%"] }',
      timing: [
        'timing:',
        '  targets:',
        '    - { name: decision, from: detected, to: decided, within: 5m, phases: ["5%"] }',
        '    - { name: decision, from: detected, to: decided, within: 2m, phases: ["25%"] }',
        '    - { name: oncall-rollback, from: decided, to: rolled-back, within: 1m, decidedBy: [oncall] }',
        '    - { name: manager-rollback, from: decided, to: rolled-back, within: 5m, decidedBy: [manager] }',
        '    - { name: verified, from: detected, to: verified, within: 10m }',
      ].join('\n'),
    });
    const handle = await startRun(client, worker.taskQueue, plan, 'Degraded', { context: { phase: '25%' } });
    await waitForApprovalRequest(handle);
    await handle.signal(approveSignal, { by: APPROVER, reason: 'roll it back' });
    const result = await handle.result();
    const record = await handle.query(recordQuery);

    expect(result.outcome).toBe('rolled-back');
    expect(record.scorecard.targets.map((t) => [t.name, t.within, t.appliesTo, t.met])).toEqual([
      ['decision', 120_000, 'phase 25%', true],
      ['oncall-rollback', 60_000, 'decided by oncall', true],
      ['verified', 600_000, undefined, true],
    ]);
    const markdown = renderMarkdown(buildReport(plan, record));
    expect(markdown).toContain('| decision (phase 25%) | detected → decided | 2m |');
    expect(markdown).toContain('| oncall-rollback (decided by oncall) | decided → rolled-back | 1m |');
    expect(markdown).not.toContain('manager-rollback');
    expect(markdown).not.toContain('phase 5%');
  });
});
