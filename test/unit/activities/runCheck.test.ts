// runCheck: command checks pass on their expected exit code; metric checks compare the
// sample (in its own unit) with the plan's threshold. Failed (the check said no) is kept
// apart from Error (we could not check).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError } from '../../../src/adapters/errors';
import type { RunCheckInput } from '../../../src/activities/checks';
import { CheckSchema } from '../../../src/plan/schema';
import { caught } from '../../support/caught';
import { fakeMetrics, stepWorld, type StepWorld } from '../../support/stepDeps';

function check(world: StepWorld, name: string, fields: Record<string, unknown>, extra: Partial<RunCheckInput> = {}): RunCheckInput {
  return { name, check: CheckSchema.parse(fields), dryRun: false, adapters: world.adapters(), ...extra };
}

describe('command checks', () => {
  test('exit 0 passes', async () => {
    const world = await stepWorld();
    const outcome = await world.activities.runCheck(check(world, 'smoke', { type: 'command', command: 'echo "5 passed"' }));
    expect(outcome.verdict).toBe('passed');
    expect(outcome.record).toMatchObject({ ok: true, exitCode: 0, output: '5 passed\n', summary: 'smoke passed: exit 0' });
  });

  test('another exit fails, with the exit code and trimmed output for the incident', async () => {
    const world = await stepWorld();
    const outcome = await world.activities.runCheck(
      check(world, 'smoke', { type: 'command', command: 'seq 1 3000; echo "FAILED tests/test_smoke.py::test_login"; exit 1' }),
    );
    expect(outcome.verdict).toBe('failed');
    expect(outcome.record).toMatchObject({ ok: false, exitCode: 1, summary: 'smoke failed: exit 1' });
    expect(outcome.record.output!.endsWith('FAILED tests/test_smoke.py::test_login\n')).toBe(true);
    expect(Buffer.byteLength(outcome.record.output!)).toBeLessThan(4200);
  });

  test('expectExit: a check that must exit 3 passes on 3 and fails on 0', async () => {
    const world = await stepWorld();
    expect((await world.activities.runCheck(check(world, 'c', { type: 'command', command: 'exit 3', expectExit: 3 }))).verdict).toBe('passed');
    const zero = await world.activities.runCheck(check(world, 'c', { type: 'command', command: 'true', expectExit: 3 }));
    expect(zero).toMatchObject({ verdict: 'failed', record: { summary: 'c failed: exit 0 (expected 3)' } });
  });

  test('a check that does not finish in its timeout failed; one that cannot start is an error', async () => {
    const world = await stepWorld();
    const slow = await world.activities.runCheck(check(world, 'slo', { type: 'command', command: 'sleep 30', timeout: '200ms' }));
    expect(slow).toMatchObject({ verdict: 'failed', record: { ok: false, details: { timedOut: true } } });
    const broken = await world.activities.runCheck(
      check(world, 'smoke', { type: 'command', command: 'true' }, { adapters: world.adapters({ commands: { cwd: join(world.dir, 'missing') } }) }),
    );
    expect(broken.verdict).toBe('error');
  });

  test('dry-run: the command is recorded, not run', async () => {
    const world = await stepWorld();
    const outcome = await world.activities.runCheck(check(world, 'smoke', { type: 'command', command: 'touch marker' }, { dryRun: true }));
    expect(outcome).toMatchObject({ verdict: 'passed', record: { dryRun: true, summary: 'smoke: would run: touch marker' } });
    expect(existsSync(join(world.dir, 'marker'))).toBe(false);
  });
});

describe('metric checks', () => {
  const P95 = 'histogram_quantile(0.95, sum by (le) (rate(genesis_request_duration_seconds_bucket[5m])))';
  const p95Check = { type: 'metric', query: P95, sampleUnit: 's', op: '<', threshold: '200ms' };

  test('"p95 < 200ms" with a sample in seconds: 0.15 s passes as 150 ms', async () => {
    const metrics = fakeMetrics({ [P95]: 0.15 });
    const world = await stepWorld({ infra: { metrics } });
    const outcome = await world.activities.runCheck(check(world, 'p95-restored', p95Check));
    expect(outcome).toMatchObject({ verdict: 'passed', value: 150, record: { ok: true, summary: 'p95-restored passed: 150ms < 200ms' } });
    expect(outcome.record.details).toMatchObject({ sample: 0.15, value: 150, sampleUnit: 's' });
    expect(metrics.queries).toEqual([P95]);
  });

  test('0.232 s fails as 232 ms (exact unit conversion), and 0.2 s is not < 200ms', async () => {
    const world = await stepWorld({ infra: { metrics: fakeMetrics({ [P95]: 0.232 }) } });
    expect(await world.activities.runCheck(check(world, 'p95-restored', p95Check))).toMatchObject({
      verdict: 'failed',
      value: 232,
      record: { ok: false, summary: 'p95-restored failed: 232ms, wanted < 200ms' },
    });
    const edge = await stepWorld({ infra: { metrics: fakeMetrics({ [P95]: 0.2 }) } });
    expect((await edge.activities.runCheck(check(edge, 'p95-restored', p95Check))).verdict).toBe('failed');
  });

  test('percentages: a ratio sample against "< 0.1%", a % sample against "= 0%", a count against ">= 2"', async () => {
    const world = await stepWorld({ infra: { metrics: fakeMetrics({ error_rate: 0.0005, phase_4_traffic_percentage: 0, 'count(up == 1)': 1 }) } });
    const errorRate = await world.activities.runCheck(check(world, 'error-rate', { type: 'metric', query: 'error_rate', op: '<', threshold: '0.1%' }));
    expect(errorRate).toMatchObject({ verdict: 'passed', value: 0.0005, record: { summary: 'error-rate passed: 0.05% < 0.1%' } });
    const traffic = await world.activities.runCheck(
      check(world, 'phase4-traffic-zero', { type: 'metric', query: 'phase_4_traffic_percentage', sampleUnit: '%', op: '=', threshold: '0%' }),
    );
    expect(traffic.verdict).toBe('passed');
    const targets = await world.activities.runCheck(check(world, 'prometheus-targets', { type: 'metric', query: 'count(up == 1)', op: '>=', threshold: 2 }));
    expect(targets).toMatchObject({ verdict: 'failed', value: 1, record: { summary: 'prometheus-targets failed: 1, wanted >= 2' } });
  });

  test('metrics unreachable is an error, not a failure', async () => {
    const world = await stepWorld({ infra: { metrics: fakeMetrics({ [P95]: new UnavailableError('prometheus', 'ECONNREFUSED 127.0.0.1:9090') }) } });
    const outcome = await world.activities.runCheck(check(world, 'p95-restored', p95Check));
    expect(outcome).toMatchObject({
      verdict: 'error',
      record: { ok: false, summary: 'p95-restored could not be checked: prometheus: unavailable: ECONNREFUSED 127.0.0.1:9090' },
    });
    expect(outcome.value).toBeUndefined();
  });

  test('a query with no data is an error', async () => {
    const world = await stepWorld({ infra: { metrics: fakeMetrics({ [P95]: undefined }) } });
    expect(await world.activities.runCheck(check(world, 'p95-restored', p95Check))).toMatchObject({
      verdict: 'error',
      record: { summary: 'p95-restored could not be checked: the query returned no data at 2026-11-24T10:00:00.000Z' },
    });
  });

  test('a plan without a metric source gets an error verdict that says what is missing', async () => {
    const world = await stepWorld();
    expect(await world.activities.runCheck(check(world, 'p95-restored', p95Check))).toMatchObject({
      verdict: 'error',
      record: { summary: 'p95-restored could not be checked: metric checks need adapters.metrics' },
    });
  });

  test('dry-run: described, not queried', async () => {
    const metrics = fakeMetrics({ [P95]: 9 });
    const world = await stepWorld({ infra: { metrics } });
    const outcome = await world.activities.runCheck(check(world, 'p95-restored', p95Check, { dryRun: true }));
    expect(outcome).toMatchObject({ verdict: 'passed', record: { dryRun: true, summary: `p95-restored: would check ${P95} < 200ms` } });
    expect(metrics.queries).toEqual([]);
  });
});

test('http checks belong to the httpCheck activity', async () => {
  const world = await stepWorld();
  expect(await caught(world.activities.runCheck(check(world, 'health', { type: 'http', url: 'http://localhost:8000/health' })))).toMatchObject({
    type: 'InvalidStep',
    nonRetryable: true,
  });
});
