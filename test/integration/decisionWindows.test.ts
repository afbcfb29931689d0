// Waits that end without the answer a run asked for, on the real dev server: a step's own
// approval whose window runs out (the plan's default, hold or rollback, decides), a hold
// that reaches the plan's hold limit, and a "prepare" or "monitor" that a person or a new
// alert raises to a rollback. What a person would notice: the flag file, the outcome, who
// decided, and the order the timeline tells.
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { buildReport } from '../../src/report';
import { whoIs } from '../../src/report/format';
import { parsePlan } from '../../src/validation/parse';
import type { Plan } from '../../src/plan/schema';
import { alertSignal, approveSignal, recordQuery } from '../../src/workflows/messages';
import { eventually, flagFile, type HealthEndpoint, type TestWorker, uniqueName, useSuiteWorld } from '../support/harness';
import { APPROVER, OTHER_APPROVER } from './fixturePlan';
import { events, startRun, status, waitForApprovalRequest } from './runs';

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
useSuiteWorld({}, (world) => ({ client, worker, health } = world));

/**
 * `Outage` rolls back without asking; `Degraded` is decided by the rule the test gives. Level
 * 1 turns `new_checkout` off (with the step approval the test gives) and checks health.
 */
function plan(flags: string, parts: { degraded?: string; stepApproval?: string; monitoring?: string }): Plan {
  const name = uniqueName('window-plan');
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${name}
targets: { services: [{ name: checkout }] }
triggers:
  - { name: Outage, kind: health, condition: { check: health, consecutiveFailures: 3 } }
  - { name: Degraded, kind: metric, condition: { metric: error_rate, op: '>', threshold: 2%, for: 5m } }
decisions:
  - name: main
    triggers: [Outage, Degraded]
    rules:
      - when: { trigger: Outage }
        outcome: { action: rollback, level: 1 }
      - when: { trigger: Degraded }
        outcome: ${parts.degraded ?? '{ action: rollback, level: 1 }'}
authority:
  roles: { oncall: { members: [${APPROVER}, ${OTHER_APPROVER}] } }
  decide: [{ when: { trigger: Degraded }, roles: [oncall] }, { when: { trigger: Outage }, system: true }]
levels:
  - level: 1
    name: feature flag
    steps:
      - type: flag.disable
        flag: new_checkout
${parts.stepApproval ? `        approval: ${parts.stepApproval}\n` : ''}    checks: [health]
checks: { health: { type: http, url: ${health.url}, attempts: 1, timeout: 2s } }
${parts.monitoring ? `monitoring: ${parts.monitoring}\n` : ''}adapters:
  flags: { type: file, path: ${JSON.stringify(flags)} }
  commands: { cwd: ${JSON.stringify(process.env.ROLLBACK_TEST_DIR ?? '/tmp')} }
notifications: { templates: {} }
`,
    `${name}.yaml`,
  );
}

async function flagOn(path: string): Promise<boolean | undefined> {
  return (await readFlagFile(path)).flags.new_checkout?.enabled;
}

const WINDOW_MS = 2000;

describe('a step approval whose window ends', () => {
  test('default hold: the step does not run, the run ends held (not failed), and the clock is named as deciding', async () => {
    const flags = await flagFile({ new_checkout: true });
    const held = plan(flags, { stepApproval: `{ approvers: [oncall], window: ${WINDOW_MS}ms, default: hold }` });
    const handle = await startRun(client, worker.taskQueue, held, 'Outage');
    const asking = await waitForApprovalRequest(handle);
    expect(asking.stage).toBe('roll-back');
    expect(asking.pendingApproval).toMatchObject({ roles: ['oncall'], default: 'hold', people: [APPROVER, OTHER_APPROVER] });
    expect(events(asking).at(-1)).toBe('approval requested: flag.disable');

    const result = await handle.result();
    const record = await handle.query(recordQuery);
    // Issue 11: a step approval whose default is hold ends the run held; it said "rollback failed" before.
    expect(result.outcome).toBe('held');
    expect(result.summary).toBe(`${held.name}/checkout: held (no rollback beyond the hold) (step flag.disable of level 1 held by clock)`);
    expect(events(result)).toContain('rollback held');
    expect(events(result)).not.toContain('no deeper level');
    expect(buildReport(held, record).resolution).toContain(
      `Rollback stopped at a step approval: ${whoIs(held, 'clock')} held flag.disable: nobody decided within ${WINDOW_MS}ms; plan default is hold — no step after it ran`,
    );
    expect(await flagOn(flags)).toBe(true);
    expect(record.decisions.map((d) => [d.action, d.by])).toEqual([
      ['rollback', 'plan'],
      ['hold', 'clock'],
    ]);
    const step = record.steps[0];
    expect(record.steps).toHaveLength(1);
    expect(step).toMatchObject({
      type: 'flag.disable',
      ok: false,
      summary: `not approved (clock): nobody decided within ${WINDOW_MS}ms; plan default is hold`,
    });
    expect(Date.parse(step.endedAt) - Date.parse(step.startedAt)).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(record.checks).toEqual([]);
  });

  test('default rollback: the step runs once the window ends, and the rollback is verified', async () => {
    const flags = await flagFile({ new_checkout: true });
    const handle = await startRun(
      client,
      worker.taskQueue,
      plan(flags, { stepApproval: `{ approvers: [oncall], window: ${WINDOW_MS}ms, default: rollback }` }),
      'Outage',
    );
    const asking = await waitForApprovalRequest(handle);
    expect(asking.pendingApproval).toMatchObject({ roles: ['oncall'], default: 'rollback' });
    expect(events(asking).at(-1)).toBe('approval requested: flag.disable');
    // Nothing has acted while the window is open.
    expect(await flagOn(flags)).toBe(true);

    const result = await handle.result();
    const record = await handle.query(recordQuery);
    expect(result.outcome).toBe('rolled-back');
    expect(await flagOn(flags)).toBe(false);
    expect(record.decisions.map((d) => [d.action, d.by])).toEqual([
      ['rollback', 'plan'],
      ['rollback', 'clock'],
    ]);
    const step = record.steps[0];
    expect(step).toMatchObject({ type: 'flag.disable', ok: true });
    expect(Date.parse(step.endedAt) - Date.parse(step.startedAt)).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(record.checks.map((c) => [c.check, c.ok])).toEqual([['health', true]]);
  });
});

describe('a hold limit', () => {
  const HOLD_LIMIT_MS = 4000;
  const holding = `{ action: ask, window: 1s, default: hold, approvers: [oncall], holdLimit: ${HOLD_LIMIT_MS}ms, level: 1 }`;

  test('unresolved when the limit is reached: the clock rolls back, counted from detection', async () => {
    const flags = await flagFile({ new_checkout: true });
    const handle = await startRun(client, worker.taskQueue, plan(flags, { degraded: holding }), 'Degraded');
    // The window has ended with a hold, and the run is still open: nothing rolled back yet.
    const held = await eventually(
      () => status(handle),
      (s) => events(s).includes('holding'),
    );
    expect(held.decision).toMatchObject({ action: 'hold', by: 'clock' });
    expect(await flagOn(flags)).toBe(true);

    const result = await handle.result();
    const record = await handle.query(recordQuery);
    expect(result.outcome).toBe('rolled-back');
    expect(result.decision).toMatchObject({ action: 'rollback', by: 'clock', reason: `not resolved within ${HOLD_LIMIT_MS}ms of detection` });
    expect(await flagOn(flags)).toBe(false);
    expect(Date.parse(record.milestones.decided!) - Date.parse(record.milestones.detected!)).toBeGreaterThanOrEqual(HOLD_LIMIT_MS);
    expect(Date.parse(record.steps[0].startedAt)).toBeGreaterThanOrEqual(Date.parse(record.milestones.detected!) + HOLD_LIMIT_MS);
  });

  test('the alert resolves within the limit: the hold stands and nothing is rolled back', async () => {
    const flags = await flagFile({ new_checkout: true });
    const handle = await startRun(client, worker.taskQueue, plan(flags, { degraded: holding }), 'Degraded');
    await eventually(
      () => status(handle),
      (s) => events(s).includes('holding'),
    );
    await handle.signal(alertSignal, { status: 'resolved', receivedAt: new Date().toISOString(), labels: { alertname: 'Degraded', service: 'checkout' } });

    const result = await handle.result();
    expect(result.outcome).toBe('held');
    expect(result.decision).toMatchObject({ action: 'hold', by: 'clock' });
    expect((await handle.query(recordQuery)).steps).toEqual([]);
    expect(await flagOn(flags)).toBe(true);
    expect(events(result).indexOf('alert resolved')).toBeGreaterThan(events(result).indexOf('holding'));
  });
});

describe('prepare and monitor, raised to a rollback', () => {
  // Watched (before a rollback, and after it) for 8 s: the raise comes well within.
  const watching = '{ cycles: 1, interval: 8s, checks: [] }';

  test('prepare: the preparation runs, then a person with authority raises it; the rollback is theirs', async () => {
    const flags = await flagFile({ new_checkout: true, fallback_ready: false });
    const prepare = `{ action: prepare, steps: [{ type: flag.enable, name: prepare the fallback, flag: fallback_ready }] }`;
    const handle = await startRun(client, worker.taskQueue, plan(flags, { degraded: prepare, monitoring: watching }), 'Degraded');
    const watched = await eventually(
      () => status(handle),
      (s) => events(s).includes('watching'),
    );
    expect(watched.decision).toMatchObject({ action: 'prepare', by: 'plan' });
    expect((await readFlagFile(flags)).flags.fallback_ready?.enabled).toBe(true);
    expect(await flagOn(flags)).toBe(true);

    await handle.signal(approveSignal, { by: APPROVER, reason: 'errors keep climbing' });
    const result = await handle.result();
    expect(result.outcome).toBe('rolled-back');
    expect(result.decision).toMatchObject({ action: 'rollback', by: APPROVER, reason: 'errors keep climbing' });
    expect(await flagOn(flags)).toBe(false);
    expect((await handle.query(recordQuery)).steps.map((s) => s.type)).toEqual(['flag.enable', 'flag.disable']);
    const timeline = events(result);
    expect(timeline.indexOf('watching')).toBeLessThan(timeline.indexOf('step flag.disable done'));
  });

  test('monitor: a new alert for a trigger that rolls back re-decides, and the plan rolls back', async () => {
    const flags = await flagFile({ new_checkout: true });
    const handle = await startRun(client, worker.taskQueue, plan(flags, { degraded: '{ action: monitor }', monitoring: watching }), 'Degraded');
    const watched = await eventually(
      () => status(handle),
      (s) => events(s).includes('watching'),
    );
    expect(watched.decision).toMatchObject({ action: 'monitor', by: 'plan' });
    expect(await flagOn(flags)).toBe(true);

    await handle.signal(alertSignal, {
      status: 'firing',
      receivedAt: new Date().toISOString(),
      labels: { alertname: 'Outage', service: 'checkout' },
      fingerprint: 'outage-1',
    });
    const result = await handle.result();
    expect(result.outcome).toBe('rolled-back');
    expect(result.decision).toMatchObject({ action: 'rollback', by: 'plan' });
    expect(await flagOn(flags)).toBe(false);
    const timeline = events(result);
    expect(timeline.indexOf('re-deciding')).toBeGreaterThan(timeline.indexOf('new alert'));
    expect(timeline.indexOf('step flag.disable done')).toBeGreaterThan(timeline.indexOf('re-deciding'));
  });
});
