// The worker as its own process (src/worker/main.ts) shows itself: after one run on the real
// dev server, its GET /metrics has the step durations by type and result, the notifier that
// failed, the run's decision latency by who decided, and the Temporal SDK's own worker
// metrics — in one scrape. Its log lines about the run carry the incident id and never the
// value of a secret, even when a command prints one.
import type { ChildProcess } from 'node:child_process';
import { expect } from '@jest/globals';
import type { Client } from '@temporalio/client';
import { freePort, stopChild } from '../../scripts/lib/devServer';
import { parsePlan } from '../../src/validation/parse';
import { connectClient, eventually, flagFile, healthEndpoint, spawnWorkerProcess, uniqueName } from '../support/harness';
import { fixturePlan } from './fixturePlan';
import { startRun } from './runs';

const SLACK_TOKEN = 'xoxb-0000-observability-secret-value';
let client: Client;
let closeClient: () => Promise<void>;
let worker: ChildProcess;
let health: Awaited<ReturnType<typeof healthEndpoint>>;
let output = '';

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  health = await healthEndpoint(200);
});

afterAll(async () => {
  if (worker) await stopChild(worker, 'SIGTERM');
  await health?.close();
  await closeClient?.();
});

/** One series' value in an exposition text, undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('one scrape: step durations, a failed notifier, decision latency and the SDK metrics; log lines with the incident id and no secret', async () => {
  const flags = await flagFile({ new_checkout: true });
  const plan = parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('observed')}
targets: { services: [{ name: checkout }] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: rollback } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ system: true }] }
levels:
  - level: 1
    name: flag, then a restart that fails and prints the worker's Slack token
    steps:
      - { type: flag.disable, flag: new_checkout }
      - { type: command.run, name: restart, command: 'echo "restarting with $SLACK_BOT_TOKEN" >&2; exit 3' }
    checks: [health]
checks: { health: { type: http, url: "${health.url}", attempts: 1 } }
adapters:
  flags: { type: file, path: ${JSON.stringify(flags)} }
notifications:
  slack: { channel: "#incidents" }
  delivery: { attemptTimeout: 1s, giveUpAfter: 2s }
  templates: {}
`,
    'observed.yaml',
  );
  const taskQueue = uniqueName('tq-observed');
  const port = await freePort();
  worker = spawnWorkerProcess({
    TEMPORAL_TASK_QUEUE: taskQueue,
    WORKER_METRICS_PORT: String(port),
    STATE_DIR: `${process.env.ROLLBACK_TEST_DIR ?? '/tmp'}/${uniqueName('observed-state')}`,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    // Nothing listens there: every Slack message fails.
    SLACK_API_URL: `http://127.0.0.1:${await freePort()}/api/`,
  });
  worker.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await eventually(
    () => output,
    (out) => out.includes('polling'),
  );

  const handle = await startRun(client, taskQueue, plan, 'ServiceDown');
  // A second run asks people with a 2 s window nobody answers: the clock decides.
  const asking = fixturePlan({ healthUrl: health.url, flagStorePath: flags, window: '2s', defaultAction: 'rollback' });
  const waited = await startRun(client, taskQueue, asking, 'ErrorRateHigh');
  expect(await handle.result()).toMatchObject({ outcome: 'rollback-failed', decision: { by: 'plan' } });
  expect(await waited.result()).toMatchObject({ outcome: 'rolled-back', decision: { by: 'clock' } });

  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  // The run's decision latency, reported through the SDK's exporter with the SDK's tags (namespace, task queue, workflow type).
  const latencyCount = `rollback_decision_latency_seconds_count{decided_by="plan",namespace="default",taskQueue="${taskQueue}",workflowType="rollbackWorkflow"}`;
  const text = await eventually(scrape, (t) => sample(t, latencyCount) !== undefined);
  // Workflow-side metrics are recorded at least once: a run's last workflow task that is retried (its first completion lost) records again.
  expect(sample(text, latencyCount)).toBeGreaterThanOrEqual(1);
  const clock = (series: string) =>
    `rollback_decision_latency_seconds_${series}{decided_by="clock",namespace="default",taskQueue="${taskQueue}",workflowType="rollbackWorkflow"}`;
  const clockCount = sample(text, clock('count')) ?? 0;
  expect(clockCount).toBeGreaterThanOrEqual(1);
  // The window's length, measured from the run's start to the clock's decision.
  expect((sample(text, clock('sum')) ?? 0) / clockCount).toBeGreaterThanOrEqual(2);
  expect((sample(text, clock('sum')) ?? 0) / clockCount).toBeLessThan(30);
  // One flag step in each run; the first run's restart failed. Each attempt counts: on a loaded
  // machine an attempt whose answer came too late is retried, so at least these.
  expect(sample(text, 'rollback_step_duration_seconds_count{type="flag.disable",result="ok"}')).toBeGreaterThanOrEqual(2);
  expect(sample(text, 'rollback_step_duration_seconds_count{type="command.run",result="failed"}')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'rollback_notifier_failures_total{notifier="slack"}')).toBeGreaterThanOrEqual(1);
  // The SDK's own worker metrics, in the same answer.
  expect(text).toMatch(/^temporal_workflow_completed\{.*\} \d+$/m);
  expect(text).toMatch(/^temporal_activity_execution_latency_bucket\{/m);

  // Log lines: JSON, the run's incident id on the step's line, the token masked everywhere.
  const lines = output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; incidentId?: string; output?: string });
  const failedStep = lines.find((l) => l.msg.startsWith('step command.run failed'));
  expect(failedStep).toMatchObject({ incidentId: handle.workflowId, output: expect.stringContaining('restarting with ***') });
  expect(lines.find((l) => l.msg.startsWith('step flag.disable ok'))).toMatchObject({ incidentId: handle.workflowId });
  expect(lines.find((l) => l.msg.startsWith('slack notification failed'))).toMatchObject({ incidentId: handle.workflowId });
  expect(output).not.toContain(SLACK_TOKEN);
});
