// The decision stage against a real dev server: a person approves or rejects, or the clock
// takes the plan's default; only the plan's approvers count.
import { expect } from '@jest/globals';
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { approveSignal, rejectSignal, SearchAttributes } from '../../src/workflows/messages';
import { flagFile, healthEndpoint, type HealthEndpoint, keepHistory, type TestWorker, useSuiteWorld } from '../support/harness';
import { APPROVER, fixturePlan, OUTSIDER } from './fixturePlan';
import { events, startRun, status, waitForApprovalRequest } from './runs';

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
let flags: string;
useSuiteWorld({ new_checkout: true }, (world) => ({ client, worker, health, flags } = world));

async function flagEnabled(path: string): Promise<boolean | undefined> {
  return (await readFlagFile(path)).flags.new_checkout?.enabled;
}

test('a person approves: the flag goes off, health is verified, the decision names them', async () => {
  const path = await flagFile({ new_checkout: true });
  const plan = fixturePlan({ healthUrl: health.url, flagStorePath: path, window: '1m' });
  const handle = await startRun(client, worker.taskQueue, plan, 'ErrorRateHigh');
  const waiting = await waitForApprovalRequest(handle);
  expect(waiting.stage).toBe('decide');
  expect(waiting.pendingApproval?.people).toContain(APPROVER);
  expect(await flagEnabled(path)).toBe(true);

  await handle.signal(approveSignal, { by: APPROVER, reason: 'errors still climbing' });
  const result = await handle.result();

  await keepHistory(handle, 'approved-rollback');
  expect(result.outcome).toBe('rolled-back');
  expect(result.decision).toMatchObject({ action: 'rollback', by: APPROVER, reason: 'errors still climbing' });
  expect(result.level).toBe(1);
  expect(result.checks).toEqual([expect.objectContaining({ check: 'health', ok: true })]);
  expect(await flagEnabled(path)).toBe(false);
  expect(events(result)).toEqual(
    expect.arrayContaining([
      'detected',
      'approval requested: rollback for ErrorRateHigh',
      `approve by ${APPROVER}`,
      'decision: rollback',
      'step flag.disable done',
      'check health passed',
    ]),
  );
  // Timestamps are workflow time and in order.
  const times = result.timeline.map((e) => Date.parse(e.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
});

test('a person rejects: nothing is rolled back and the run says so', async () => {
  const path = await flagFile({ new_checkout: true });
  const handle = await startRun(client, worker.taskQueue, fixturePlan({ healthUrl: health.url, flagStorePath: path, window: '1m' }), 'ErrorRateHigh');
  await waitForApprovalRequest(handle);
  await handle.signal(rejectSignal, { by: APPROVER, reason: 'known blip, fix is deploying' });
  const result = await handle.result();
  await keepHistory(handle, 'rejected');
  expect(result.outcome).toBe('rejected');
  expect(result.decision).toMatchObject({ action: 'hold', by: APPROVER });
  expect(result.level).toBeUndefined();
  expect(await flagEnabled(path)).toBe(true);
});

test('nobody answers and the plan default is rollback: the clock decides and the rollback runs', async () => {
  const path = await flagFile({ new_checkout: true });
  const handle = await startRun(
    client,
    worker.taskQueue,
    fixturePlan({ healthUrl: health.url, flagStorePath: path, window: '2s', defaultAction: 'rollback' }),
    'ErrorRateHigh',
  );
  const result = await handle.result();
  await keepHistory(handle, 'clock-default-rollback');
  expect(result.decision).toMatchObject({ action: 'rollback', by: 'clock' });
  expect(result.decision?.reason).toMatch(/within 2s/);
  expect(result.outcome).toBe('rolled-back');
  expect(await flagEnabled(path)).toBe(false);
});

test('nobody answers and the plan default is hold: the clock decides to hold and nothing changes', async () => {
  const path = await flagFile({ new_checkout: true });
  const handle = await startRun(
    client,
    worker.taskQueue,
    fixturePlan({ healthUrl: health.url, flagStorePath: path, window: '2s', defaultAction: 'hold' }),
    'ErrorRateHigh',
  );
  const result = await handle.result();
  await keepHistory(handle, 'clock-default-hold');
  expect(result.decision).toMatchObject({ action: 'hold', by: 'clock' });
  expect(result.outcome).toBe('held');
  expect(await flagEnabled(path)).toBe(true);
});

test('someone outside the plan authority cannot approve; the refusal is in the timeline', async () => {
  const path = await flagFile({ new_checkout: true });
  const handle = await startRun(
    client,
    worker.taskQueue,
    fixturePlan({ healthUrl: health.url, flagStorePath: path, window: '3s', defaultAction: 'hold' }),
    'ErrorRateHigh',
  );
  await waitForApprovalRequest(handle);
  await handle.signal(approveSignal, { by: OUTSIDER, reason: 'let me' });
  const result = await handle.result();
  expect(result.decision).toMatchObject({ action: 'hold', by: 'clock' });
  expect(result.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'approve refused', detail: expect.stringContaining(OUTSIDER) })]));
  expect(await flagEnabled(path)).toBe(true);
});

test('a trigger the plan rolls back without asking: no approval, the plan decides', async () => {
  const handle = await startRun(client, worker.taskQueue, fixturePlan({ healthUrl: health.url, flagStorePath: flags }), 'ServiceDown');
  const result = await handle.result();
  expect(result.decision).toMatchObject({ action: 'rollback', by: 'plan' });
  expect(events(result).filter((e) => e.startsWith('approval requested'))).toEqual([]);
  expect(result.outcome).toBe('rolled-back');
  expect(await flagEnabled(flags)).toBe(false);
});

test('a health check that keeps failing is retried as the plan says, then reported unverified', async () => {
  const failing = await healthEndpoint(503);
  try {
    const path = await flagFile({ new_checkout: true });
    const handle = await startRun(
      client,
      worker.taskQueue,
      fixturePlan({ healthUrl: failing.url, flagStorePath: path, attempts: 4, delay: '300ms' }),
      'ServiceDown',
    );
    const result = await handle.result();
    await keepHistory(handle, 'unverified-after-retries');
    expect(result.outcome).toBe('rollback-unverified');
    expect(result.checks[0]?.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
    expect(failing.hits()).toBe(4);
    // Attempts are spaced by the plan's delay (workflow timers, not a busy loop).
    const at = result.checks[0].attempts.map((a) => Date.parse(a.at));
    expect(at[3] - at[0]).toBeGreaterThanOrEqual(900);
  } finally {
    await failing.close();
  }
});

test('the status query shows stage, decision and who made it while the run is open', async () => {
  const handle = await startRun(client, worker.taskQueue, fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '1m' }), 'ErrorRateHigh');
  const before = await waitForApprovalRequest(handle);
  expect(before.decision).toBeUndefined();
  await handle.signal(approveSignal, { by: APPROVER, reason: 'go' });
  await handle.result();
  const after = await status(handle);
  expect(after).toMatchObject({ stage: 'done', decision: { by: APPROVER, action: 'rollback' }, outcome: 'rolled-back' });
});

test('the Temporal UI finds runs by stage while they wait and by level and outcome when done, with one search-attribute write per workflow task', async () => {
  const path = await flagFile({ new_checkout: true });
  const plan = fixturePlan({ healthUrl: health.url, flagStorePath: path, window: '1m' });
  const handle = await startRun(client, worker.taskQueue, plan, 'ErrorRateHigh');
  await waitForApprovalRequest(handle);
  const waiting = (await handle.describe()).typedSearchAttributes;
  expect(waiting.get(SearchAttributes.stage)).toBe('decide');
  expect(waiting.get(SearchAttributes.plan)).toBe(plan.name);

  await handle.signal(approveSignal, { by: APPROVER, reason: 'errors still climbing' });
  expect((await handle.result()).outcome).toBe('rolled-back');
  await keepHistory(handle, 'approved-one-upsert-per-task');
  const done = (await handle.describe()).typedSearchAttributes;
  expect(done.get(SearchAttributes.stage)).toBe('done');
  expect(done.get(SearchAttributes.level)).toBe(1);
  expect(done.get(SearchAttributes.outcome)).toBe('rolled-back');
  expect(done.get(SearchAttributes.service)).toBe('checkout');

  // Each workflow task writes our search attributes at most once (a write is a visibility
  // update); the SDK's own TemporalChangeVersion upserts, one per patch, are not ours.
  const perTask: string[][] = [];
  for (const event of (await handle.fetchHistory()).events ?? []) {
    if (event.workflowTaskCompletedEventAttributes) perTask.push([]);
    const fields = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
    if (fields.some((f) => f.startsWith('Rollback'))) perTask.at(-1)!.push(fields.sort().join(','));
  }
  expect(perTask.filter((upserts) => upserts.length > 1)).toEqual([]);
  expect(perTask[0]).toEqual(['RollbackPlan,RollbackService,RollbackStage']);
});

// Issue 11 (seed 002 line 118, "QA DRI + Sprint DRI"): an ask names who decides; a broader
// authority.decide rule bounds it but is not asked in its place.
test('an ask within a broader authority rule asks only its own approvers: the rule’s other role is refused', async () => {
  const path = await flagFile({ new_checkout: true });
  const plan = fixturePlan({ healthUrl: health.url, flagStorePath: path, window: '1m', deciders: ['oncall', 'manager'] });
  const handle = await startRun(client, worker.taskQueue, plan, 'ErrorRateHigh');
  const waiting = await waitForApprovalRequest(handle);
  expect(waiting.pendingApproval?.roles).toEqual(['oncall']);
  expect(waiting.pendingApproval?.people).not.toContain(OUTSIDER);

  await handle.signal(rejectSignal, { by: OUTSIDER, reason: 'manager says wait' });
  await handle.signal(approveSignal, { by: APPROVER, reason: 'errors still climbing' });
  const result = await handle.result();

  expect(result.decision).toMatchObject({ action: 'rollback', by: APPROVER });
  expect(result.timeline.find((e) => e.event === 'reject refused')?.detail).toBe(`${OUTSIDER}: not an approver of rollback for ErrorRateHigh (roles: oncall)`);
  expect(await flagEnabled(path)).toBe(false);
});
