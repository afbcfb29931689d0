// Commands cannot pass by accident: checks, steps, captured logs and confirm commands run
// with `set -euo pipefail`, so a failing pipe stage or an unset variable fails them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CheckSchema } from '../../../src/plan/schema';
import { step, stepWorld } from '../../support/stepDeps';

describe('command checks', () => {
  test.each([
    ['false | cat', 1],
    // Issue 7: "curl -sf https://unreachable/… | jq -e …" passed with exit 0 and no network.
    ["curl -sf --max-time 2 http://127.0.0.1:9/api/reserves/health | jq -e '.features.reserves_v11 == false'", 7],
  ])('%s is Failed, not passed', async (command, exitCode) => {
    const world = await stepWorld();
    const outcome = await world.activities.runCheck({
      name: 'reserves-features',
      check: CheckSchema.parse({ type: 'command', command }),
      dryRun: false,
      adapters: world.adapters(),
    });
    expect(outcome.verdict).toBe('failed');
    expect(outcome.record).toMatchObject({ ok: false, exitCode, summary: `reserves-features failed: exit ${exitCode}` });
  });
});

describe('steps', () => {
  test('a step using an unset variable fails and writes nothing', async () => {
    const world = await stepWorld();
    const record = await world.activities.runStep({
      incidentId: 'inc-9',
      stepKey: 'levels/database/0',
      environment: 'production',
      dryRun: false,
      adapters: world.adapters(),
      step: step({ type: 'command.run', command: 'mkdir -p "$INCIDENT_DIR/dump" && touch "$INCIDENT_DIR/dump/done"' }),
    });
    expect(record).toMatchObject({ ok: false, exitCode: 1 });
    expect(record.output).toContain('INCIDENT_DIR: unbound variable');
    expect(existsSync('/dump')).toBe(false);
    expect(existsSync(join(world.dir, 'dump'))).toBe(false);
  });
});

test('captured logs: a failing pipe is a problem of the snapshot, not logs that look fine', async () => {
  const world = await stepWorld();
  const snapshot = await world.activities.captureState({
    incidentId: 'inc-9',
    adapters: world.adapters(),
    capture: { commit: false, metrics: [], logs: { command: 'cat logs/*.log | tail -n 50', timeout: '5s' } },
  });
  expect(snapshot.problems).toEqual([expect.stringMatching(/^logs: exit 1: cat logs/)]);
});

test('confirm commands: a registry lookup whose first stage fails does not confirm the target', async () => {
  const world = await stepWorld();
  const [confirmation] = await world.activities.confirmTargets({
    services: [{ service: 'auth', ref: 'auth-2025.10.1' }],
    adapters: world.adapters(),
    confirm: { command: 'curl -sf --max-time 2 http://127.0.0.1:9/v2/{service}/manifests/{ref} | head -c 200', timeout: '5s' },
  });
  expect(confirmation).toMatchObject({ service: 'auth', exists: false, detail: 'not confirmed (exit 7)' });
});
