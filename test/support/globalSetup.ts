// One Temporal dev server (same binary and search attributes as `npm start`, SQLite file in
// a temp folder) and one workflow bundle for all integration tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer, type DevServer } from '../../scripts/lib/devServer';
import { bundleWorkflows } from '../../src/worker/workflowCode';

declare global {
  var __temporalDevServer: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rollback-it-'));
  const server = await startDevServer({
    port: await freePort(),
    dbFile: join(dir, 'temporal.sqlite'),
    logFile: join(dir, 'temporal.log'),
  });
  globalThis.__temporalDevServer = server;

  const code = await bundleWorkflows({ log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error });
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);

  // Jest's test workers inherit these.
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.WORKFLOW_BUNDLE = bundlePath;
  process.env.ROLLBACK_TEST_DIR = dir;
}
