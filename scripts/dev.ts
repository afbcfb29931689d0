// `npm start`: the dev server (SQLite file, Web UI), the worker and the API as children of
// this process, each supervised: one that crashes is started again with backoff while the
// others keep running. Ctrl-C stops every one of them. Embedded defaults live in DATA_DIR
// (.data/ unless set).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { writeFlagFile } from '../src/adapters/fileFlagStore';
import { localStackFile, writeLocalStack } from '../src/cli/localStack';
import { writeDemoTokens } from './lib/demoTokens';
import { startDevServer } from './lib/devServer';
import { Supervised } from './lib/supervise';

const ROOT = resolve(__dirname, '..');
const DATA = resolve(ROOT, process.env.DATA_DIR ?? '.data');

const log = (line: string) => console.log(`[npm start] ${line}`);

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const flagStore = process.env.FLAG_STORE_PATH ?? resolve(DATA, 'flags.json');
  // The demo's credentials, unless the caller brings a tokens file of their own.
  const tokens = process.env.API_TOKENS_FILE ? undefined : writeDemoTokens(DATA, resolve(ROOT, 'plans/checkout-demo.yaml'));
  // The demo plans' kill switches, so the README's walk-throughs have a flag to turn off.
  if (!existsSync(flagStore)) await writeFlagFile(flagStore, { flags: { new_checkout: { enabled: true }, demo_bad_version: { enabled: true } } });

  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? port + 1000);
  const apiPort = process.env.API_PORT ?? '8080';
  const address = `127.0.0.1:${port}`;
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: address,
    API_TOKENS_FILE: tokens?.tokensFile ?? process.env.API_TOKENS_FILE,
    // The worker reads it too: the demo plan's health check follows the API's port.
    API_PORT: apiPort,
    FLAG_STORE_PATH: flagStore,
    STATE_DIR: process.env.STATE_DIR ?? resolve(DATA, 'worker'),
  };

  const temporal = new Supervised({
    name: 'Temporal dev server',
    log,
    start: async () => (await startDevServer({ port, uiPort, dbFile: resolve(DATA, 'temporal.sqlite'), logFile: resolve(DATA, 'temporal.log') })).child,
  });
  const node = (name: string, entry: string) =>
    new Supervised({ name, log, start: () => spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env, stdio: 'inherit' }) });
  const children = [temporal, node('worker', 'src/worker/main.ts'), node('API', 'src/api/main.ts')];

  let stopping = false;
  let forgetStack = () => {};
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    forgetStack();
    log('stopping worker, API and Temporal dev server…');
    // The dev server last: the others close their connections to it first.
    await Promise.all(children.slice(1).map((c) => c.stop()));
    await temporal.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());

  log('starting the Temporal dev server…');
  await temporal.start();
  for (const child of children.slice(1)) await child.start();
  // The CLI finds this stack by it, whatever its ports (src/cli/localStack.ts).
  forgetStack = writeLocalStack(localStackFile(process.env, ROOT), { temporalAddress: address, apiUrl: `http://127.0.0.1:${apiPort}`, pid: process.pid });
  console.log(
    [
      '',
      `  API          http://127.0.0.1:${apiPort}   (credentials: ${tokens ? relative(process.cwd(), tokens.tokensFile) : process.env.API_TOKENS_FILE})`,
      ...(tokens?.summary.map((line) => `    token      ${line}`) ?? []),
      `  Temporal UI  http://127.0.0.1:${uiPort}`,
      `  Temporal     ${address}`,
      '',
      'A process that crashes is restarted. Ctrl-C stops everything.',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
