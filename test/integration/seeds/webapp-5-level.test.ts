// Seed 001 ("Rollback Plan") end to end on the dev server: the decision matrix (severity,
// impact, time to fix) picks how deep the rollback goes, and the chosen level's commands
// really act on a git checkout of the web application.
//   high, > 50 % users, > 30 min  → level 2: config/ restored from HEAD~1, app restarted
//   critical, all users, > 1 h    → level 3: the stable tag checked out, built, deployed
//   low, < 10 % users, < 15 min   → fix forward: nothing is touched
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../../src/adapters/fileFlagStore';
import { recordQuery } from '../../../src/workflows/messages';
import { createRepo, type TestRepo } from '../../support/gitRepo';
import { flagFile, type HealthEndpoint, keepHistory, type TestWorker, useSuiteWorld } from '../../support/harness';
import { events, startRun } from '../runs';
import { seedCheck, seedPlan } from './seedPlan';

const MINUTE = 60_000;

let client: Client;
let worker: TestWorker;
let health: HealthEndpoint;
const repos: TestRepo[] = [];
useSuiteWorld({}, (world) => ({ client, worker, health } = world));

afterAll(() => {
  for (const repo of repos) rmSync(repo.dir, { recursive: true, force: true });
});

/**
 * The web application's checkout: v1.2.3-stable, then a release that changed config/ and
 * code. `npm run …` scripts of the seed's world become marker lines in `ops.log`, outside
 * the checkout so they never dirty it.
 */
function webappCheckout(): { repo: TestRepo; stable: string; previous: string; release: string; opsLog: string } {
  const repo = createRepo();
  repos.push(repo);
  const stable = repo.commit('v1.2.3', { 'config/app.json': '{"cacheTtl": 60, "release": "1.2.3"}\n', 'src/app.js': 'module.exports = "1.2.3";\n' });
  repo.git('tag', 'v1.2.3-stable');
  const previous = repo.commit('v1.3.0', { 'config/app.json': '{"cacheTtl": 60, "release": "1.3.0"}\n', 'src/app.js': 'module.exports = "1.3.0";\n' });
  const release = repo.commit('v1.4.0: new cache settings', {
    'config/app.json': '{"cacheTtl": 0, "release": "1.4.0"}\n',
    'src/app.js': 'module.exports = "1.4.0";\n',
  });
  return { repo, stable, previous, release, opsLog: `${repo.dir}.ops.log` };
}

function webappPlan(repo: TestRepo, opsLog: string, flags: string) {
  const log = (what: string) => `echo "${what}" >> '${opsLog}'`;
  return seedPlan('webapp-5-level', (doc) => {
    doc.adapters = { flags: { type: 'file', path: flags }, commands: { cwd: repo.dir } };
    const npm: Record<string, string> = {
      'npm run restart': log('restart'),
      'npm run build': log('build $(git rev-parse --short HEAD)'),
      'npm run deploy:production': log('deploy $ROLLBACK_SERVICE'),
      'npm run feature:status -- --flag=problematic_feature': log('feature:status'),
      'npm run cache:clear': log('cache:clear'),
    };
    for (const level of doc.levels) for (const step of level.steps) if (step.command && npm[step.command]) step.command = npm[step.command];
    // Checks against this machine: the health URL is a local endpoint, the npm scripts read the checkout.
    doc.checks = { ...doc.checks, 'api-health': { type: 'http', url: health.url, attempts: 2, delay: '1s', timeout: '2s' } };
    seedCheck(doc, 'api-health-probe', 'http').url = health.url;
    seedCheck(doc, 'config-valid', 'command').command = `node -e "JSON.parse(require('fs').readFileSync('config/app.json','utf8'))"`;
    seedCheck(doc, 'health-check', 'command').command = 'test -f src/app.js';
    seedCheck(doc, 'rollback-valid', 'command').command = 'true';
    doc.monitoring = { ...doc.monitoring, cycles: 1, interval: '1s' };
  });
}

function opsLines(opsLog: string): string[] {
  return existsSync(opsLog) ? readFileSync(opsLog, 'utf8').trim().split('\n') : [];
}

test('high severity, 60 % of users, 45 min to fix → level 2: config/ reverted to HEAD~1 and the app restarted', async () => {
  const { repo, previous, release, opsLog } = webappCheckout();
  const flags = await flagFile({ problematic_feature: true });
  const handle = await startRun(client, worker.taskQueue, webappPlan(repo, opsLog, flags), 'CriticalFunctionalityBroken', {
    service: 'core-api',
    context: { severity: 'high', impact: 0.6, timeToFix: 45 * MINUTE },
  });
  const result = await handle.result();
  const record = await handle.query(recordQuery);
  await keepHistory(handle, 'webapp-5-level-config-rollback');

  expect(result.outcome).toBe('rolled-back');
  expect(result.level).toBe(2);
  expect(record.decisions[0]).toMatchObject({ action: 'rollback', by: 'plan' });
  expect(events(result)).toContain('decision table');
  expect(result.timeline.find((e) => e.event === 'decision table')?.detail).toBe('decision-matrix rule 2: rollback');
  // config/ is HEAD~1's; the code and HEAD stay where they were.
  expect(readFileSync(join(repo.dir, 'config/app.json'), 'utf8')).toBe(repo.git('show', `${previous}:config/app.json`) + '\n');
  expect(repo.head()).toBe(release);
  expect(readFileSync(join(repo.dir, 'src/app.js'), 'utf8')).toContain('1.4.0');
  expect(opsLines(opsLog)).toEqual(['restart']);
  // Level 1 did not run: the flag is still on.
  expect((await readFlagFile(flags)).flags.problematic_feature?.enabled).toBe(true);
  expect(record.steps.map((s) => `${s.levelId}:${s.type}:${s.ok}`)).toEqual(['2:config.revert:true', '2:service.restart:true']);
  expect(record.steps[0]?.command).toBe('git checkout HEAD~1 -- config/');
  expect(record.checks.map((c) => `${c.check}:${c.ok}`)).toEqual(expect.arrayContaining(['config-valid:true', 'api-health:true']));
});

test('critical, all users, 2 h to fix → level 3: the stable tag checked out, built and deployed', async () => {
  const { repo, stable, opsLog } = webappCheckout();
  const flags = await flagFile({ problematic_feature: true });
  const handle = await startRun(client, worker.taskQueue, webappPlan(repo, opsLog, flags), 'PaymentFailures', {
    service: 'core-api',
    context: { severity: 'critical', impact: 1, timeToFix: 2 * 60 * MINUTE },
  });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('rolled-back');
  expect(result.level).toBe(3);
  expect(repo.head()).toBe(stable);
  expect(readFileSync(join(repo.dir, 'config/app.json'), 'utf8')).toContain('1.2.3');
  // Build on the stable commit, then deploy per service in dependency waves (user-auth and
  // analytics need only the database; core-api needs user-auth).
  const short = repo.git('rev-parse', '--short', stable);
  expect(opsLines(opsLog)).toEqual([`build ${short}`, 'deploy user-auth', 'deploy analytics', 'deploy core-api']);
  expect(record.steps.find((s) => s.type === 'command.run' && s.name === 'identify last stable version')?.output).toContain('v1.2.3-stable');
  expect((await readFlagFile(flags)).flags.problematic_feature?.enabled).toBe(true);
});

test('low severity, 5 % of users, 10 min to fix → fix forward: nothing is touched', async () => {
  const { repo, release, opsLog } = webappCheckout();
  const flags = await flagFile({ problematic_feature: true });
  const before = readFileSync(join(repo.dir, 'config/app.json'), 'utf8');
  const handle = await startRun(client, worker.taskQueue, webappPlan(repo, opsLog, flags), 'UxRegression', {
    service: 'core-api',
    context: { severity: 'low', impact: 0.05, timeToFix: 10 * MINUTE },
  });
  const result = await handle.result();
  const record = await handle.query(recordQuery);

  expect(result.outcome).toBe('fix-forward');
  expect(result.level).toBeUndefined();
  expect(record.steps).toEqual([]);
  expect(record.followUps).toContain('Fix forward UxRegression on core-api');
  expect(repo.head()).toBe(release);
  expect(repo.git('status', '--porcelain')).toBe('');
  expect(readFileSync(join(repo.dir, 'config/app.json'), 'utf8')).toBe(before);
  expect(opsLines(opsLog)).toEqual([]);
  expect((await readFlagFile(flags)).flags.problematic_feature?.enabled).toBe(true);
});
