// captureState (seed 004 §1.3: commit, metrics, recent logs) and confirmTargets (seed 003
// §4.2: confirm each rollback target exists before anything rolls back).
import { expect } from '@jest/globals';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../../../src/adapters/errors';
import { fillConfirmCommand, shellValue } from '../../../src/activities/preRollback';
import { CaptureSchema } from '../../../src/plan/language/capture';
import { ConfirmSchema } from '../../../src/plan/language/targets';
import { caught } from '../../support/caught';
import { createRepo } from '../../support/gitRepo';
import { fakeMetrics, stepWorld } from '../../support/stepDeps';

describe('captureState', () => {
  test('the current commit, the listed metric samples and the tail of the logs', async () => {
    const repo = createRepo();
    const head = repo.commit('Phase 4: enable orchestration v2', { 'app.txt': 'x' });
    const world = await stepWorld({ infra: { metrics: fakeMetrics({ up: 1, error_rate: 0.012 }) } });
    writeFileSync(join(world.dir, 'app.log'), Array.from({ length: 500 }, (_, i) => `2026-11-24 line ${i}`).join('\n') + '\n');
    const snapshot = await world.activities.captureState({
      incidentId: 'inc-7',
      adapters: world.adapters({ git: { repo: repo.dir }, commands: { cwd: world.dir, outputLimit: '1KiB' } }),
      capture: CaptureSchema.parse({
        commit: true,
        metrics: [
          { name: 'up', query: 'up' },
          { name: 'error_rate', query: 'error_rate' },
        ],
        logs: { command: 'echo "incident $ROLLBACK_INCIDENT_ID"; cat app.log' },
      }),
    });
    expect(snapshot.at).toBe('2026-11-24T10:00:00.000Z');
    expect(snapshot.commit).toEqual({ commit: head, subject: 'Phase 4: enable orchestration v2' });
    expect(snapshot.metrics).toEqual([
      { name: 'up', query: 'up', value: 1, at: '2026-11-24T10:00:00.000Z' },
      { name: 'error_rate', query: 'error_rate', value: 0.012, at: '2026-11-24T10:00:00.000Z' },
    ]);
    expect(snapshot.logs!.endsWith('2026-11-24 line 499\n')).toBe(true);
    expect(snapshot.logs).not.toContain('incident inc-7'); // trimmed away: only the tail is kept
    expect(Buffer.byteLength(snapshot.logs!)).toBeLessThan(1100);
    expect(snapshot.problems).toEqual([]);
  });

  test('what cannot be captured is listed; the rest is still captured', async () => {
    const world = await stepWorld({ infra: { metrics: fakeMetrics({ up: new UnavailableError('prometheus', 'ECONNREFUSED'), pass_rate: 0.97 }) } });
    const snapshot = await world.activities.captureState({
      incidentId: 'inc-7',
      adapters: world.adapters(),
      capture: CaptureSchema.parse({
        metrics: [
          { name: 'up', query: 'up' },
          { name: 'pass_rate', query: 'pass_rate' },
        ],
        logs: { command: 'cat logs/*.log' },
      }),
    });
    expect(snapshot.commit).toBeUndefined();
    expect(snapshot.metrics.map((m) => [m.name, m.value])).toEqual([
      ['up', undefined],
      ['pass_rate', 0.97],
    ]);
    expect(snapshot.problems).toEqual([
      'commit: the plan names no repository (adapters.git)',
      'metric up: prometheus: unavailable: ECONNREFUSED',
      'logs: exit 1: cat logs/*.log',
    ]);
    expect(snapshot.logs).toMatch(/No such file or directory/);
  });

  test('secrets in log lines are masked', async () => {
    const world = await stepWorld({ deps: { secretNames: ['DB_PASSWORD'], env: { DB_PASSWORD: 'hunter2-long' } } });
    const snapshot = await world.activities.captureState({
      incidentId: 'inc-7',
      adapters: world.adapters(),
      capture: CaptureSchema.parse({ commit: false, logs: { command: 'echo "connect postgres://app:hunter2-long@db/app failed"' } }),
    });
    expect(snapshot.logs).toBe('connect postgres://app:***@db/app failed\n');
  });

  test('a plan without a capture section gets an empty snapshot', async () => {
    const world = await stepWorld();
    expect(await world.activities.captureState({ incidentId: 'inc-7', adapters: world.adapters() })).toEqual({
      at: '2026-11-24T10:00:00.000Z',
      metrics: [],
      problems: [],
    });
  });
});

describe('confirmTargets', () => {
  const services = [
    { service: 'auth', ref: 'auth-2025.10.1', image: 'registry.example.com/monetization/auth:2025.10.1' },
    { service: 'transactions', ref: 'transactions-2025.10.1', image: 'registry.example.com/monetization/transactions:2025.10.1' },
  ];

  test('with a confirm command: run per service with {service}/{ref}/{image}; exit 0 means it exists', async () => {
    const world = await stepWorld();
    writeFileSync(join(world.dir, 'registry.txt'), 'registry.example.com/monetization/auth:2025.10.1\n');
    const confirm = ConfirmSchema.parse({
      command: 'grep -qx {image} registry.txt || { echo "{service}: image for {ref} not in registry ($ROLLBACK_SERVICE)"; exit 1; }',
    });
    expect(await world.activities.confirmTargets({ services, adapters: world.adapters(), confirm })).toEqual([
      { service: 'auth', ref: 'auth-2025.10.1', exists: true, detail: 'confirmed (exit 0)' },
      {
        service: 'transactions',
        ref: 'transactions-2025.10.1',
        exists: false,
        detail: 'transactions: image for transactions-2025.10.1 not in registry (transactions)',
      },
    ]);
  });

  test('placeholder values cannot inject shell commands', async () => {
    const world = await stepWorld();
    const confirm = ConfirmSchema.parse({ command: 'test {ref} = "v1"' });
    const [result] = await world.activities.confirmTargets({ services: [{ service: 'x', ref: 'v1; touch injected' }], adapters: world.adapters(), confirm });
    expect(result.exists).toBe(false);
    expect(existsSync(join(world.dir, 'injected'))).toBe(false);
    expect(fillConfirmCommand('docker manifest inspect {image}', { service: 's', ref: 'r', image: "a'b c" })).toBe(`docker manifest inspect 'a'\\''b c'`);
    expect(shellValue('registry.example.com/app:1.2@sha256:abc')).toBe('registry.example.com/app:1.2@sha256:abc');
  });

  test('a confirm command that cannot finish says it could not confirm', async () => {
    const world = await stepWorld();
    const confirm = ConfirmSchema.parse({ command: 'sleep 30', timeout: '200ms' });
    const [result] = await world.activities.confirmTargets({ services: [services[0]], adapters: world.adapters(), confirm });
    expect(result).toMatchObject({ exists: false, error: 'timed out after 200ms: sleep 30' });
  });

  test('without a confirm command: the refs are looked up in git (tags, HEAD~1)', async () => {
    const repo = createRepo();
    repo.commit('one', { 'a.txt': '1' });
    repo.git('tag', 'auth-2025.10.1');
    repo.commit('two', { 'a.txt': '2' });
    const world = await stepWorld();
    const results = await world.activities.confirmTargets({
      services: [...services, { service: 'genesis-orchestration', ref: 'HEAD~1' }],
      adapters: world.adapters({ git: { repo: repo.dir } }),
    });
    expect(results).toEqual([
      { service: 'auth', ref: 'auth-2025.10.1', exists: true, detail: 'auth-2025.10.1 exists in git' },
      { service: 'transactions', ref: 'transactions-2025.10.1', exists: false, detail: 'transactions-2025.10.1 not found in git' },
      { service: 'genesis-orchestration', ref: 'HEAD~1', exists: true, detail: 'HEAD~1 exists in git' },
    ]);
  });

  test('with neither a confirm command nor a repository it is refused', async () => {
    const world = await stepWorld();
    expect(await caught(world.activities.confirmTargets({ services, adapters: world.adapters() }))).toMatchObject({
      type: 'InvalidStep',
      nonRetryable: true,
      message: 'confirming rollback targets needs targets.confirm or adapters.git',
    });
  });
});

test('a configured repository that is missing: captureState lists it, confirmTargets reports an error per target', async () => {
  const world = await stepWorld();
  const adapters = world.adapters({ git: { repo: join(world.dir, 'no-repo') } });
  const snapshot = await world.activities.captureState({ incidentId: 'inc-7', adapters, capture: CaptureSchema.parse({ commit: true }) });
  expect(snapshot.problems).toEqual([expect.stringMatching(/^commit: git repository .*no-repo is not usable/)]);
  const [result] = await world.activities.confirmTargets({ services: [{ service: 'app', ref: 'HEAD~1' }], adapters });
  expect(result).toMatchObject({ exists: false, error: expect.stringMatching(/is not usable/) });
});
