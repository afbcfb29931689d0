// Issue 11, seed 001 lines 52-56 ("Identify last stable version: git tag -l | grep stable;
// git checkout v1.2.3-stable"): a plan names its last known good by tag pattern; the run
// finds the newest matching tag in the real repository when it needs it, confirms it, rolls
// back to it and records which tag it was.
import type { Client } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../src/plan/schema';
import { buildReport } from '../../src/report';
import { parsePlan } from '../../src/validation/parse';
import { recordQuery } from '../../src/workflows/messages';
import { createRepo, type TestRepo } from '../support/gitRepo';
import { type TestWorker, uniqueName, useSuiteWorld } from '../support/harness';
import { events, startRun } from './runs';

let client: Client;
let worker: TestWorker;
useSuiteWorld({}, (world) => ({ client, worker } = world));

function codePlan(repo: TestRepo, pattern: string): Plan {
  return parsePlan(
    `
apiVersion: rollback-orchestrator/v1
name: ${uniqueName('it-lkg')}
targets:
  services:
    - name: web
      lastKnownGood: { tag: "${pattern}" }
triggers:
  - { name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 3 } }
decisions:
  - { name: main, triggers: [ServiceDown], rules: [ { outcome: { action: rollback, level: 3 } } ] }
authority: { roles: { oncall: { members: [U0ONCALL01] } } }
levels:
  - level: 3
    name: code rollback
    steps:
      - { type: config.revert, service: web, path: app.txt, ref: last-known-good }
    checks: [stable-code]
checks:
  health: { type: command, command: "true" }
  stable-code: { type: command, command: "grep -qx 1.10 app.txt", timeout: 5s }
adapters:
  git: { repo: ${JSON.stringify(repo.dir)} }
  commands: { cwd: ${JSON.stringify(repo.dir)} }
`,
    'code.yaml',
  );
}

/** 1.9 and 1.10 tagged stable, 1.11 (the bad release) only a candidate, and deployed. */
function releases(): { repo: TestRepo; v110: string } {
  const repo = createRepo();
  repo.commit('release 1.9', { 'app.txt': '1.9\n' });
  repo.git('tag', 'release-1.9-stable');
  const v110 = repo.commit('release 1.10', { 'app.txt': '1.10\n' });
  repo.commit('release 1.11', { 'app.txt': '1.11\n' });
  repo.git('tag', 'release-1.11-rc');
  return { repo, v110 };
}

test('the newest tag matching release-*-stable when the run starts is confirmed, rolled back to and recorded', async () => {
  const { repo, v110 } = releases();
  const plan = codePlan(repo, 'release-*-stable');
  // Tagged after the plan was loaded: the run looks when it needs the target, not the plan.
  repo.git('tag', '-a', 'release-1.10-stable', v110, '-m', 'soaked 48h');

  const handle = await startRun(client, worker.taskQueue, plan, 'ServiceDown', { service: 'web' });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('rolled-back');
  expect(readFileSync(join(repo.dir, 'app.txt'), 'utf8')).toBe('1.10\n');
  expect(record.lastKnownGood).toEqual([{ service: 'web', pattern: 'release-*-stable', tag: 'release-1.10-stable', commit: v110 }]);
  expect(record.timeline.find((e) => e.event === 'last known good resolved')?.detail).toBe(`web: release-1.10-stable (${v110.slice(0, 12)})`);
  expect(record.timeline.find((e) => e.event === 'rollback targets confirmed')?.detail).toBe('web@release-1.10-stable: ok');
  expect(record.steps[0]).toMatchObject({ type: 'config.revert', ok: true, summary: `restored app.txt from release-1.10-stable (${v110.slice(0, 12)})` });
  // Found once per run: the confirmation and the step used the same lookup.
  const history = (await handle.fetchHistory()).events ?? [];
  expect(history.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'resolveLastKnownGood')).toHaveLength(1);
  expect(buildReport(plan, record).resolution).toContain(
    `Last known good of web: release-1.10-stable (${v110.slice(0, 12)}), the newest tag matching release-*-stable`,
  );
});

test('no tag matches the pattern: the rollback stops before acting, and says which service and pattern', async () => {
  const { repo } = releases();
  const handle = await startRun(client, worker.taskQueue, codePlan(repo, 'hotfix-*-stable'), 'ServiceDown', { service: 'web' });
  const result = await handle.result();

  expect(result.outcome).toBe('rollback-failed');
  expect(result.timeline.find((e) => e.event === 'rollback stopped')?.detail).toBe('rollback target not available: web (no tag matches hotfix-*-stable)');
  expect(events(result)).not.toContain('step config.revert done');
  expect(readFileSync(join(repo.dir, 'app.txt'), 'utf8')).toBe('1.11\n');
});
