// `npm start`: the dev server (SQLite file, Web UI), the worker and the API as children of
// this process; Ctrl-C stops every one of them. Embedded defaults live in .data/.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFlagFile } from '../src/adapters/fileFlagStore';
import { startDevServer, stopChild, type DevServer } from './lib/devServer';

const ROOT = resolve(__dirname, '..');
const DATA = resolve(ROOT, '.data');

function apiToken(): string {
  if (process.env.API_TOKEN) return process.env.API_TOKEN;
  const file = resolve(DATA, 'api-token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const flagStore = process.env.FLAG_STORE_PATH ?? resolve(DATA, 'flags.json');
  // The demo plan's kill switch, so the README's walk-through has a flag to turn off.
  if (!existsSync(flagStore)) await writeFlagFile(flagStore, { flags: { new_checkout: { enabled: true } } });

  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? port + 1000);
  const apiPort = process.env.API_PORT ?? '8080';
  const children: ChildProcess[] = [];
  let server: DevServer | undefined;
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping worker, API and Temporal dev server…');
    await Promise.all(children.map((c) => stopChild(c)));
    await server?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  console.log('starting the Temporal dev server…');
  server = await startDevServer({ port, uiPort, dbFile: resolve(DATA, 'temporal.sqlite'), logFile: resolve(DATA, 'temporal.log') });
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    API_TOKEN: apiToken(),
    API_PORT: apiPort,
    FLAG_STORE_PATH: flagStore,
  };
  for (const [name, entry] of [
    ['worker', 'src/worker/main.ts'],
    ['api', 'src/api/main.ts'],
  ] as const) {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env, stdio: 'inherit' });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${name} exited (${signal ?? code}); stopping everything`);
        void stopAll(1);
      }
    });
    children.push(child);
  }
  console.log(
    [
      '',
      `  API          http://127.0.0.1:${apiPort}   (token: ${env.API_TOKEN === process.env.API_TOKEN ? '$API_TOKEN' : '.data/api-token'})`,
      `  Temporal UI  ${server.uiUrl}`,
      `  Temporal     ${server.address}`,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
