// README's drill, as written, on a machine that lacks the monetization team's scripts and
// cannot reach its staging hosts: the drill says before it acts what it cannot reach, runs
// those parts in dry-run and rehearses the rest for real (the kill switch in the flag file).
import type { Client } from '@temporalio/client';
import { readFlagFile } from '../../src/adapters/fileFlagStore';
import type { IncidentCommandDeps } from '../../src/cli/incidentCommands';
import { runCli } from '../../src/cli/main';
import { DEFAULT_PLANS_DIR } from '../../src/validation/files';
import { recordQuery } from '../../src/workflows/messages';
import { connectClient, eventually, flagFile, startWorker, testDeps, type TestWorker } from '../support/harness';

let client: Client;
let closeClient: () => Promise<void>;
let worker: TestWorker;
let flags: string;

beforeAll(async () => {
  ({ client, close: closeClient } = await connectClient());
  flags = await flagFile({ AGENT_WRITE_ACTIONS_ENABLED: true });
  worker = await startWorker(testDeps({ flagStorePath: flags }));
});

afterAll(async () => {
  await worker?.shutdown();
  await closeClient?.();
});

test('rollback drill in a world without tools/*.sh: the preflight names them, they run in dry-run, the flag is turned off for real', async () => {
  const deps: IncidentCommandDeps = {
    plansDir: DEFAULT_PLANS_DIR,
    connect: async () => {
      const session = await connectClient();
      return { client: session.client, taskQueue: worker.taskQueue, close: session.close };
    },
  };
  let out = '';
  const code = await runCli(
    ['drill', '--plan', 'monetization-drill', '--drill', 'quarterly', '--trigger', 'LoginFailing', '--migration', 'none'],
    { out: (t) => (out += t), err: (t) => (out += t) },
    deps,
  );
  expect(code).toBe(0);
  const incidentId = /^started (\S+):/m.exec(out)![1];
  // Said before anything acted, by the CLI that started it.
  const preflight = /^preflight (.*)$/m.exec(out)?.[1];
  expect(preflight).toMatch(/^cannot reach /);
  for (const missing of ['tools/confirm_rollback_images.sh (not found)', 'tools/deploy.sh (not found)', 'tools/release_preflight.py (not found)']) {
    expect(preflight).toContain(missing);
  }
  expect(preflight).toContain('https://portal.example.com/health (');
  expect(preflight).toMatch(/: what needs them runs in dry-run$/);

  const handle = client.workflow.getHandle(incidentId);
  // Up to the first wave of the application rollback (the plan then stabilizes for 2 minutes).
  const record = await eventually(
    () => handle.query(recordQuery),
    (r) => r.steps.some((s) => s.type === 'deploy.run'),
    60_000,
  );
  await handle.terminate('test over');
  expect(record.steps.find((s) => s.type === 'deploy.run')).toMatchObject({ ok: true, dryRun: true });
  // Nothing failed for want of a script: no "command not found".
  expect(record.timeline.some((e) => /exit 127|command not found/.test(e.detail ?? ''))).toBe(false);
  const restart = record.steps.find((s) => s.type === 'service.restart')!;
  expect(restart).toMatchObject({ ok: true, dryRun: true });
  expect(restart.summary).toContain('(dry-run in this drill: tools/deploy.sh not found)');
  expect(record.timeline.find((e) => e.event === 'rollback targets not confirmed')?.detail).toBe(
    'dry-run in this drill: tools/confirm_rollback_images.sh not found',
  );
  // The parts it could reach ran for real: the kill switch is off in the flag file.
  const killSwitch = record.steps.find((s) => s.type === 'flag.disable')!;
  expect(killSwitch).toMatchObject({ ok: true });
  expect(killSwitch.dryRun).toBeUndefined();
  expect((await readFlagFile(flags)).flags.AGENT_WRITE_ACTIONS_ENABLED?.enabled).toBe(false);
}, 120_000);
