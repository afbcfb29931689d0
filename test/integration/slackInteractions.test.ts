// Slack buttons end to end: the approval message's own button values, signed the way Slack
// signs (v0 HMAC over the raw body), posted to the API; forged, stale and unauthorized
// clicks change nothing.
import { expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../src/adapters/slack';
import { buildApp } from '../../src/api/app';
import { ErrorBody } from '../../src/api/errors';
import { Credentials } from '../../src/api/auth';
import { slackSignature } from '../../src/api/slackSignature';
import { SLACK_DOCUMENTED_EXAMPLE } from '../support/contracts/slackDocumentedExample';
import { startSlackStandIn, type SlackStandIn } from '../support/contracts/slackServer';
import { connectClient, eventually, flagFile, healthEndpoint, SLACK_TEST_TOKEN, startWorker, testDeps, type TestWorker } from '../support/harness';
import { APPROVER, fixturePlan, OUTSIDER } from './fixturePlan';
import { events, startRun, status, waitForApprovalRequest } from './runs';

const SIGNING_SECRET = randomBytes(16).toString('hex');
const CHANNEL = '#checkout-incidents';

let client: Client;
let closeClient: () => Promise<void>;
let slack: SlackStandIn;
let worker: TestWorker;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let flags: string;
let app: FastifyInstance;

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  slack = await startSlackStandIn({ token: SLACK_TEST_TOKEN });
  health = await healthEndpoint(200);
  flags = await flagFile({ new_checkout: true });
  worker = await startWorker(testDeps({ flagStorePath: flags, slackUrl: slack.url }));
  app = buildApp({
    client,
    plans: new Map(),
    credentials: Credentials.fromTokens([]),
    taskQueue: worker.taskQueue,
    slackSigningSecret: SIGNING_SECRET,
    now: Date.now,
  });
});

afterAll(async () => {
  await app?.close();
  await worker?.shutdown();
  await Promise.all([slack?.close(), health?.close()]);
  await closeClient?.();
});

interface Button {
  action_id: string;
  value: string;
}

/** The buttons of the approval message the workflow posted for this incident. */
function buttonsFor(incidentId: string): Button[] {
  const post = slack.requests.find((r) => r.path === '/api/chat.postMessage' && JSON.stringify(r.body).includes(incidentId));
  const blocks = (post?.body.blocks ?? []) as { type: string; elements?: Button[] }[];
  return blocks.find((b) => b.type === 'actions')?.elements ?? [];
}

function click(button: Button, userId: string, options: { secret?: string; ageSeconds?: number; responseUrl?: string } = {}) {
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase() },
    team: { id: 'T0STANDIN' },
    container: { type: 'message', channel_id: CHANNEL },
    response_url: options.responseUrl ?? slack.responseUrl(),
    actions: [{ type: 'button', action_id: button.action_id, value: button.value, block_id: 'x', action_ts: '1' }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
  return app.inject({
    method: 'POST',
    url: '/v1/slack/interactions',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body),
    },
    payload: body,
  });
}

async function waitingRun() {
  const handle = await startRun(
    client,
    worker.taskQueue,
    fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '1m', slackChannel: CHANNEL }),
    'ErrorRateHigh',
  );
  await waitForApprovalRequest(handle);
  await eventually(
    () => buttonsFor(handle.workflowId),
    (b) => b.length === 2,
  );
  const [approve, reject] = [APPROVE_ACTION_ID, REJECT_ACTION_ID].map((id) => buttonsFor(handle.workflowId).find((b) => b.action_id === id)!);
  return { handle, approve: approve, reject: reject };
}

test('an approver clicks Approve: 200 at once, the run rolls back, the message names who decided', async () => {
  const { handle, approve } = await waitingRun();
  const res = await click(approve, APPROVER);
  expect(res.statusCode).toBe(200);
  const result = await handle.result();
  expect(result).toMatchObject({ outcome: 'rolled-back', decision: { action: 'rollback', by: APPROVER } });
  const update = slack.requests.find((r) => r.path === '/api/chat.update' && JSON.stringify(r.body).includes(handle.workflowId));
  expect(JSON.stringify(update?.body.blocks)).toContain(`Approved by <@${APPROVER}>`);
});

test('an approver clicks Reject: the run holds and nothing is rolled back', async () => {
  const { handle, reject } = await waitingRun();
  expect((await click(reject, APPROVER)).statusCode).toBe(200);
  expect(await handle.result()).toMatchObject({ outcome: 'rejected', decision: { by: APPROVER } });
});

test('a click from someone outside the authority is refused, recorded, and told only to them', async () => {
  const { handle, approve } = await waitingRun();
  const responseUrl = slack.responseUrl();
  expect((await click(approve, OUTSIDER, { responseUrl })).statusCode).toBe(200);
  const s = await eventually(
    () => status(handle),
    (v) => events(v).includes('approve refused'),
  );
  expect(s.decision).toBeUndefined();
  const told = await eventually(
    () => slack.responses.filter((r) => responseUrl.endsWith(r.path)),
    (r) => r.length === 1,
  );
  expect(told[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('not an approver') });
  await handle.terminate('test over');
});

test('forged and stale requests are refused before anything happens', async () => {
  const { handle, approve } = await waitingRun();
  const forged = await click(approve, APPROVER, { secret: 'not-the-signing-secret' });
  expect(forged.statusCode).toBe(401);
  expect(ErrorBody.parse(forged.json()).error).toMatch(/does not match/);
  const stale = await click(approve, APPROVER, { ageSeconds: 6 * 60 });
  expect(stale.statusCode).toBe(401);
  expect(ErrorBody.parse(stale.json()).error).toMatch(/five minutes/);
  const unsigned = await app.inject({
    method: 'POST',
    url: '/v1/slack/interactions',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'payload=%7B%7D',
  });
  expect(unsigned.statusCode).toBe(401);
  const s = await status(handle);
  expect(s.decision).toBeUndefined();
  expect(events(s)).not.toContain('approve refused');
  await handle.terminate('test over');
});

test("Slack's documented example request, signed by Slack itself, passes the route's check; one changed byte does not", async () => {
  const { secret, timestamp, body, signature } = SLACK_DOCUMENTED_EXAMPLE;
  // The API's clock at the moment Slack sent the example, so that only the signature is judged.
  const then = buildApp({
    client,
    plans: new Map(),
    credentials: Credentials.fromTokens([]),
    taskQueue: worker.taskQueue,
    slackSigningSecret: secret,
    now: () => Number(timestamp) * 1000,
  });
  const post = (payload: string) =>
    then.inject({
      method: 'POST',
      url: '/v1/slack/interactions',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
      payload,
    });
  // Past the signature: the example is a slash command, not a button click.
  const genuine = await post(body);
  expect(genuine.statusCode).toBe(400);
  expect(ErrorBody.parse(genuine.json()).error).toContain('an interaction carries a form field "payload"');
  const altered = await post(body.replace('user_id=U2CERLKJA', 'user_id=U2CERLKJB'));
  expect(altered.statusCode).toBe(401);
  expect(ErrorBody.parse(altered.json()).error).toMatch(/does not match/);
  await then.close();
});

test('without a signing secret the API refuses every Slack request', async () => {
  const bare = buildApp({ client, plans: new Map(), credentials: Credentials.fromTokens([]), taskQueue: worker.taskQueue, now: Date.now });
  const res = await bare.inject({
    method: 'POST',
    url: '/v1/slack/interactions',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'payload=%7B%7D',
  });
  expect(res.statusCode).toBe(503);
  await bare.close();
});
