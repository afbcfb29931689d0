// Replay: every committed history of a real run must replay on today's workflow code, so a
// change that breaks determinism (for runs in flight) fails here. Record anew with
// `npm run record-histories` when a change is meant to be incompatible (and use patched()).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../support/harness';

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
// The worker reads the CLI's JSON form itself.
const load = (file: string): unknown => JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(5);
});

test.each(files)('%s replays on the current workflow code', async (file) => {
  await expect(Worker.runReplayHistory({ workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE! } }, load(file), file)).resolves.toBeUndefined();
});

test('a workflow changed incompatibly fails replay with a determinism violation', async () => {
  await expect(
    Worker.runReplayHistory({ workflowsPath: resolve(__dirname, '../fixtures/nondeterministic/workflows.ts') }, load(files[0]), files[0]),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});
