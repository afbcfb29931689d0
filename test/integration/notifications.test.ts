// Slack and PagerDuty around a run, through the real clients against stand-ins that follow
// each vendor's contract: messages, retries on rate limits, no endless retries on refusals.
import type { Client } from '@temporalio/client';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../src/adapters/slack';
import type { Plan } from '../../src/plan/schema';
import { parsePlan } from '../../src/validation/parse';
import { approveSignal } from '../../src/workflows/messages';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../support/contracts/pagerdutyServer';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import {
  connectClient,
  eventually,
  flagFile,
  healthEndpoint,
  keepHistory,
  SLACK_TEST_TOKEN,
  startWorker,
  testDeps,
  type TestWorker,
  uniqueName,
} from '../support/harness';
import { APPROVER, fixturePlan } from './fixturePlan';
import { events, startRun, status, waitForApprovalRequest } from './runs';

const ROUTING_KEY = 'R0UT1NGKEY0123456789ABCDEFGHIJKL'; // 32 characters, as PagerDuty requires
const CHANNEL = '#checkout-incidents';

let client: Client;
let closeClient: () => Promise<void>;
let slack: SlackStandIn;
let pagerduty: PagerDutyStandIn;
let worker: TestWorker;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let flags: string;

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  pagerduty = await startPagerDutyStandIn();
  health = await healthEndpoint(200);
  flags = await flagFile({ new_checkout: true });
  worker = await startWorker(
    testDeps({ flagStorePath: flags, slackUrl: slack.url, pagerdutyUrl: pagerduty.url, secrets: { PD_ROUTING_KEY: ROUTING_KEY, PD_BAD_KEY: 'too-short' } }),
  );
});

afterAll(async () => {
  await worker?.shutdown();
  await Promise.all([slack?.close(), pagerduty?.close(), health?.close()]);
  await closeClient?.();
});

const plan = (routingKeyEnv = 'PD_ROUTING_KEY') =>
  fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '1m', slackChannel: CHANNEL, routingKeyEnv });

function postsFor(incidentId: string) {
  return slack.requests.filter((r) => r.path === '/api/chat.postMessage' && JSON.stringify(r.body).includes(incidentId));
}

test('an approved run: buttons in Slack, the decision replaces them, PagerDuty triggered, acknowledged and resolved once', async () => {
  const handle = await startRun(client, worker.taskQueue, plan(), 'ErrorRateHigh');
  const incidentId = handle.workflowId;
  await waitForApprovalRequest(handle);

  // The request goes out beside the run: the window is open before Slack has it.
  const request = await eventually(
    () => postsFor(incidentId).find((r) => !r.scriptedFailure),
    (r) => r !== undefined,
  );
  expect(request?.body.channel).toBe(CHANNEL);
  const actionIds = JSON.stringify(request?.body.blocks);
  expect(actionIds).toContain(APPROVE_ACTION_ID);
  expect(actionIds).toContain(REJECT_ACTION_ID);
  expect(actionIds).toContain(`<@${APPROVER}>`);

  await handle.signal(approveSignal, { by: APPROVER, reason: 'roll back' });
  const result = await handle.result();
  await keepHistory(handle, 'slack-pagerduty-approved');
  expect(result.outcome).toBe('rolled-back');

  const update = slack.requests.find((r) => r.path === '/api/chat.update' && JSON.stringify(r.body).includes(incidentId));
  expect(JSON.stringify(update?.body.blocks)).toContain(`Approved by <@${APPROVER}>`);
  expect(JSON.stringify(update?.body.blocks)).not.toContain(APPROVE_ACTION_ID);

  const incident = pagerduty.incidents.get(incidentId);
  expect(incident).toMatchObject({ status: 'resolved', opened: 1, triggers: 1, actions: ['trigger', 'acknowledge', 'resolve'] });
  expect(events(result)).toEqual(expect.arrayContaining(['PagerDuty trigger sent', 'PagerDuty acknowledge sent', 'PagerDuty resolve sent']));
});

test('Slack answers 429 with Retry-After: the activity retries after it and the request lands once', async () => {
  slack.failNext(1, 'ratelimited');
  const handle = await startRun(client, worker.taskQueue, plan(), 'ErrorRateHigh');
  const current = await eventually(
    () => status(handle),
    (s) => events(s).some((e) => e.startsWith('Slack approval request')),
  );
  expect(events(current)).toContain('Slack approval request sent');
  const attempts = slack.requests.filter(
    (r) => r.path === '/api/chat.postMessage' && (r.scriptedFailure || JSON.stringify(r.body).includes(handle.workflowId)),
  );
  expect(attempts.map((r) => r.scriptedFailure ?? 'ok')).toEqual(['ratelimited', 'ok']);
  await handle.terminate('test over');
});

test('Slack refuses the token: not retried forever, the run goes on and says so', async () => {
  // A run the plan decides alone posts its announcement first.
  slack.failNext(1, 'invalid_auth');
  const handle = await startRun(client, worker.taskQueue, plan(), 'ServiceDown');
  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');
  expect(events(result)).toEqual(expect.arrayContaining(['Slack announcement failed', 'Slack outcome sent']));
  const refused = slack.requests.filter((r) => r.scriptedFailure === 'invalid_auth');
  expect(refused).toHaveLength(1);
});

test('PagerDuty 429 is retried; a refused event (bad routing key) is not, and the rollback still happens', async () => {
  pagerduty.failNext(1, 'rate_limited', '1');
  const retried = await startRun(client, worker.taskQueue, plan(), 'ServiceDown');
  const ok = await retried.result();
  expect(pagerduty.incidents.get(retried.workflowId)).toMatchObject({ opened: 1, triggers: 1, status: 'resolved' });
  expect(events(ok)).toContain('PagerDuty trigger sent');

  const before = pagerduty.requests.length;
  const refused = await startRun(client, worker.taskQueue, plan('PD_BAD_KEY'), 'ServiceDown');
  const result = await refused.result();
  expect(result.outcome).toBe('rolled-back');
  expect(events(result)).toEqual(expect.arrayContaining(['PagerDuty trigger failed', 'PagerDuty resolve failed']));
  // One request per event, no retries of a 400.
  expect(pagerduty.requests.length - before).toBe(2);
});

test('a run tells Slack and PagerDuty through the one notify activity: the workflow schedules no vendor by name', async () => {
  const handle = await startRun(client, worker.taskQueue, plan(), 'ServiceDown');
  const result = await handle.result();
  expect(events(result)).toEqual(expect.arrayContaining(['Slack announcement sent', 'PagerDuty trigger sent', 'Slack outcome sent', 'PagerDuty resolve sent']));
  const history = (await handle.fetchHistory()).events ?? [];
  const scheduled = history.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
  // Announcement, trigger, outcome and resolve: four notices, each through the Notifier role.
  expect(scheduled.filter((name) => name === 'notify')).toHaveLength(4);
  expect(scheduled).not.toEqual(expect.arrayContaining([expect.stringMatching(/slack|pagerduty/i)]));
  expect(pagerduty.incidents.get(handle.workflowId)).toMatchObject({ opened: 1, status: 'resolved' });
});

/** Seed 001 §Communication During Rollback, as a plan writes it, with a paging step at its own severity. */
function communicationPlan(): Plan {
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('it-comms')}
targets: { services: [ { name: checkout } ] }
triggers:
  - { name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 3 } }
decisions:
  - { name: main, triggers: [ServiceDown], rules: [ { outcome: { action: rollback, level: 1 } } ] }
authority: { roles: { oncall: { members: [${APPROVER}] } } }
levels:
  - level: 1
    name: feature flag
    target: 15m
    steps:
      - { type: notify.pagerduty, template: paged, severity: warning }
      - { type: flag.disable, flag: new_checkout }
    checks: [health]
checks:
  health: { type: http, url: "${health.url}", attempts: 3, delay: 200ms, timeout: 2s }
adapters: { flags: { type: file, path: ${JSON.stringify(flags)} } }
notifications:
  slack: { channel: "${CHANNEL}" }
  pagerduty: { routingKeyEnv: PD_ROUTING_KEY }
  templates:
    internal: "ROLLBACK INITIATED ({{incident}}). Impact: {{impact}}. Level: {{level}}. ETA: {{eta}}. Lead: {{lead}}"
    customer: "{{incident}}: we expect normal service to resume within {{timeframe}}."
    paged: "checkout level {{level}} under way"
  announce:
    - { at: decided, template: internal, to: slack }
    - { at: decided, template: customer, to: slack }
`,
    'communication.yaml',
  );
}

// Issue 11: {{impact}}, {{eta}} and {{timeframe}} were sent with their braces; a step's PagerDuty severity was read nowhere.
test('seed 001 announcements say the impact, level, ETA and timeframe; a paging step pages at its own severity', async () => {
  const started = Date.now();
  const handle = await startRun(client, worker.taskQueue, communicationPlan(), 'ServiceDown', { context: { impact: 0.35 } });
  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');

  const texts = postsFor(handle.workflowId).map((r) => String((r.body as { text?: string }).text));
  const internal = texts.find((t) => t.startsWith('ROLLBACK INITIATED'));
  expect(internal).toMatch(/\)\. Impact: 35% of users\. Level: 1\. ETA: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\. Lead: no person$/);
  // Level 1's target (15m) from the decision; the plan decided, so no person leads.
  const eta = Date.parse(/ETA: (\S+)\./.exec(internal!)![1]);
  expect(eta).toBeGreaterThanOrEqual(started + 15 * 60_000 - 1000);
  expect(eta).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
  expect(texts).toContain(`${handle.workflowId}: we expect normal service to resume within 15m.`);
  expect(texts.join('\n')).not.toContain('{{');

  // The run's page at the plan's severity, the step's as an alert of its own at the step's; both resolved.
  expect(pagerduty.incidents.get(handle.workflowId)).toMatchObject({ severity: 'critical', status: 'resolved' });
  expect(pagerduty.incidents.get(`${handle.workflowId}:paged`)).toMatchObject({
    severity: 'warning',
    summary: 'checkout level 1 under way',
    status: 'resolved',
  });
});
