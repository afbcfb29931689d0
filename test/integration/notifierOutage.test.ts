// Notifiers never sit on the critical path: with Slack and PagerDuty hanging or answering
// 500, the flag goes off as fast as with healthy vendors, a decision window ends at the
// deadline it announced, and the failed messages are in status and report.
import { expect } from '@jest/globals';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import type { Plan } from '../../src/plan/schema';
import { buildReport, renderMarkdown } from '../../src/report';
import { type IncidentStatus, recordQuery, type RollbackWorkflow } from '../../src/workflows/messages';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../support/contracts/pagerdutyServer';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import { connectClient, eventually, flagFile, healthEndpoint, SLACK_TEST_TOKEN, startWorker, testDeps, type TestWorker } from '../support/harness';
import { fixturePlan } from './fixturePlan';
import { startRun, status, waitForApprovalRequest } from './runs';

const ROUTING_KEY = 'R0UT1NGKEY0123456789ABCDEFGHIJKL';
const CHANNEL = '#checkout-incidents';
// Short bounds as plan data, so a hung vendor is given up on within the test's time.
const DELIVERY = { attemptTimeout: '1s', giveUpAfter: '4s' };

let client: Client;
let closeClient: () => Promise<void>;
let slack: SlackStandIn;
let pagerduty: PagerDutyStandIn;
let worker: TestWorker;
let health: Awaited<ReturnType<typeof healthEndpoint>>;

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  pagerduty = await startPagerDutyStandIn();
  health = await healthEndpoint(200);
  worker = await startWorker(
    testDeps({ flagStorePath: await flagFile({}), slackUrl: slack.url, pagerdutyUrl: pagerduty.url, secrets: { PD_ROUTING_KEY: ROUTING_KEY } }),
  );
});

afterEach(() => {
  slack.recover();
  pagerduty.recover();
});

afterAll(async () => {
  await worker?.shutdown();
  await Promise.all([slack?.close(), pagerduty?.close(), health?.close()]);
  await closeClient?.();
});

type Vendors = 'healthy' | 'hang' | 'server_error';

function outage(kind: Vendors): void {
  if (kind === 'healthy') return;
  slack.failAll(kind);
  pagerduty.failAll(kind);
}

async function planWithFlag(window = '30s'): Promise<{ plan: Plan; flags: string }> {
  const flags = await flagFile({ new_checkout: true });
  const plan = fixturePlan({
    healthUrl: health.url,
    flagStorePath: flags,
    window,
    defaultAction: 'rollback',
    slackChannel: CHANNEL,
    routingKeyEnv: 'PD_ROUTING_KEY',
    delivery: DELIVERY,
  });
  return { plan, flags };
}

/** Wall-clock time at which the flag file says the flag is off. */
async function flagOffAt(path: string): Promise<number> {
  for (;;) {
    if ((await readFlagFile(path)).flags.new_checkout?.enabled === false) return Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A run the plan decides alone (ServiceDown): milliseconds from start to the flag file saying off. */
async function timeToFlagOff(vendors: Vendors): Promise<{ ms: number; handle: WorkflowHandle<RollbackWorkflow>; plan: Plan }> {
  outage(vendors);
  const { plan, flags } = await planWithFlag();
  const started = Date.now();
  const handle = await startRun(client, worker.taskQueue, plan, 'ServiceDown');
  const off = await flagOffAt(flags);
  return { ms: off - started, handle, plan };
}

function notification(s: IncidentStatus, what: string) {
  return s.notifications.find((n) => n.what === what);
}

test('the flag goes off as fast with Slack and PagerDuty hanging or answering 500 as with healthy ones; the failures are in status and report', async () => {
  const healthy = await timeToFlagOff('healthy');
  const healthyResult = await healthy.handle.result();
  expect(healthyResult.outcome).toBe('rolled-back');
  expect(healthyResult.notifications.map((n) => `${n.what}: ${n.status}`)).toEqual([
    'PagerDuty trigger: delivered',
    'Slack announcement: delivered',
    'Slack outcome: delivered',
    'PagerDuty resolve: delivered',
  ]);

  for (const vendors of ['hang', 'server_error'] as const) {
    const run = await timeToFlagOff(vendors);
    // What a person notices: the flag went off no more than a second later than with healthy vendors.
    expect(run.ms - healthy.ms).toBeLessThan(1000);

    const result = await run.handle.result();
    expect(result.outcome).toBe('rolled-back');
    // The first message to each vendor was retried until the plan's bound, then recorded as failed.
    const why = vendors === 'hang' ? 'no answer: gave up after 4s (attempts of 1s)' : expect.stringMatching(/^gave up after 4s; last error: .*HTTP 500/);
    expect(notification(result, 'PagerDuty trigger')).toMatchObject({ to: 'pagerduty', status: 'failed', detail: why });
    expect(notification(result, 'Slack announcement')).toMatchObject({ to: CHANNEL, status: 'failed', detail: why });
    const attempts = (vendors === 'hang' ? slack.requests : pagerduty.requests).filter((r) => r.scriptedFailure === vendors);
    expect(attempts.length).toBeGreaterThan(1);

    const report = renderMarkdown(buildReport(run.plan, await run.handle.query(recordQuery)));
    expect(report).toContain('## Notifications');
    expect(report).toMatch(/❌ failed: PagerDuty trigger → pagerduty .*— /);
    expect(report).toMatch(new RegExp(`❌ failed: Slack announcement → ${CHANNEL}`));
  }
});

test('a decision window whose default is rollback ends at the deadline it announced while Slack hangs', async () => {
  slack.failAll('hang');
  const { plan, flags } = await planWithFlag('3s');
  const handle = await startRun(client, worker.taskQueue, plan, 'ErrorRateHigh');
  const waiting = await waitForApprovalRequest(handle);
  const deadline = waiting.pendingApproval!.deadline;
  // The window started when the question was recorded, not when Slack answered.
  const asked = waiting.timeline.find((e) => e.event.startsWith('approval requested'))!;
  expect(Date.parse(deadline) - Date.parse(asked.at)).toBe(3000);

  // The approval request Slack never answered carries the same deadline.
  const request = await eventually(
    () => slack.requests.find((r) => r.path === '/api/chat.postMessage' && JSON.stringify(r.body).includes(handle.workflowId)),
    (r) => r !== undefined,
  );
  expect(request!.scriptedFailure).toBe('hang');
  expect(JSON.stringify(request!.body.blocks)).toContain(`|${deadline}>`);

  const off = await flagOffAt(flags);
  const result = await handle.result();
  expect(result.decision).toMatchObject({ action: 'rollback', by: 'clock' });
  const decidedLate = Date.parse(result.decision!.at) - Date.parse(deadline);
  expect(decidedLate).toBeGreaterThanOrEqual(0);
  expect(decidedLate).toBeLessThan(1000);
  expect(off - Date.parse(deadline)).toBeLessThan(1000);
  expect(notification(result, 'Slack approval request')).toMatchObject({ status: 'failed' });
  expect((await status(handle)).notifications.filter((n) => n.status === 'delivered').map((n) => n.what)).toEqual(
    expect.arrayContaining(['PagerDuty trigger', 'PagerDuty resolve']),
  );
});

test('after an outage the queued messages arrive in order: PagerDuty trigger before resolve, the approval update on the request it replaces', async () => {
  slack.failAll('server_error');
  pagerduty.failAll('server_error');
  const flags = await flagFile({ new_checkout: true });
  const plan = fixturePlan({
    healthUrl: health.url,
    flagStorePath: flags,
    window: '2s',
    defaultAction: 'rollback',
    slackChannel: CHANNEL,
    routingKeyEnv: 'PD_ROUTING_KEY',
    delivery: { attemptTimeout: '1s', giveUpAfter: '30s' },
  });
  const handle = await startRun(client, worker.taskQueue, plan, 'ErrorRateHigh');
  // The clock decides and the rollback runs while both vendors are still down.
  await flagOffAt(flags);
  const during = await status(handle);
  expect(notification(during, 'PagerDuty trigger')?.status).toBe('pending');
  expect(notification(during, 'Slack approval request')?.status).toBe('pending');

  slack.recover();
  pagerduty.recover();
  const result = await handle.result();
  expect(result.notifications.map((n) => `${n.what}: ${n.status}`)).toEqual([
    'PagerDuty trigger: delivered',
    'Slack approval request: delivered',
    'Slack approval update: delivered',
    'Slack announcement: delivered',
    'Slack outcome: delivered',
    'PagerDuty resolve: delivered',
  ]);
  // PagerDuty: one incident, opened and then resolved (a resolve first would leave it open).
  expect(pagerduty.incidents.get(handle.workflowId)).toMatchObject({ opened: 1, status: 'resolved', actions: ['trigger', 'resolve'] });
  // Slack: the late request now says the clock applied the default, its buttons gone.
  const posted = slack.requests.find((r) => r.path === '/api/chat.postMessage' && !r.scriptedFailure && JSON.stringify(r.body).includes(handle.workflowId));
  const update = slack.requests.find((r) => r.path === '/api/chat.update' && !r.scriptedFailure && JSON.stringify(r.body).includes(handle.workflowId));
  expect(JSON.stringify(update?.body.blocks)).toContain('No answer by the deadline');
  expect(slack.requests.indexOf(update!)).toBeGreaterThan(slack.requests.indexOf(posted!));
});
