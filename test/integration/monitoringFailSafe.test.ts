// Fail-safe monitoring: a check that could not run (its metrics source unreachable) says
// nothing about the service, so it never re-opens a verified rollback one level deeper; a
// check that ran and said no does.
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import { parsePlan } from '../../src/validation/parse';
import { type HealthEndpoint, type TestWorker, uniqueName, useSuiteWorld } from '../support/harness';
import { events, startRun } from './runs';
import type { Client } from '@temporalio/client';

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
let flags: string;
useSuiteWorld({ new_checkout: true, deeper_level_ran: false }, (world) => ({ client, worker, health, flags } = world));

/** Rolls back without asking; monitoring runs `check` every second, twice; level 2 exists to go deeper to. */
function plan(check: string) {
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('monitor-plan')}
targets: { services: [{ name: checkout }] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: rollback } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ roles: [oncall] }] }
levels:
  - { level: 1, name: flag, steps: [{ type: flag.disable, flag: new_checkout }], checks: [health] }
  - { level: 2, name: deeper, steps: [{ type: flag.enable, flag: deeper_level_ran }], checks: [health] }
checks:
  health: { type: http, url: "${health.url}", attempts: 1, delay: 100ms }
  error-rate: ${check}
monitoring: { cycles: 2, interval: 1s, checks: [error-rate] }
adapters:
  flags: { type: file, path: ${JSON.stringify(flags)} }
  metrics: { type: prometheus, url: "http://127.0.0.1:9" }
`,
    'monitor-plan.yaml',
  );
}

test('an unreachable metrics source during monitoring is recorded as not checked and re-opens nothing', async () => {
  const handle = await startRun(client, worker.taskQueue, plan('{ type: metric, query: "rate(errors[1m])", op: "<", threshold: 1% }'), 'ServiceDown');
  const result = await handle.result();
  expect(result.outcome).toBe('rolled-back');
  expect(events(result)).toContain('monitoring could not check');
  expect(events(result)).not.toContain('monitoring re-opened the incident');
  expect((await readFlagFile(flags)).flags.deeper_level_ran?.enabled).toBe(false);
});

test('control: a monitoring check that says no re-opens the rollback one level deeper, and past the deepest level the run stops for people', async () => {
  const handle = await startRun(client, worker.taskQueue, plan('{ type: command, command: "exit 1" }'), 'ServiceDown');
  const result = await handle.result();
  expect(events(result).filter((e) => e === 'monitoring re-opened the incident')).toHaveLength(2);
  expect((await readFlagFile(flags)).flags.deeper_level_ran?.enabled).toBe(true);
  expect(result.timeline.filter((e) => e.event.startsWith('level ')).map((e) => e.event)).toEqual(['level 1: flag', 'level 2: deeper']);
  expect(result.outcome).toBe('rollback-unverified');
});
