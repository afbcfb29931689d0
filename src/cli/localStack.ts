// `npm start` records where its dev server and API listen (DATA_DIR/local-stack.json) for as
// long as it runs. The CLI reads that record when the environment names neither, so a stack
// started on other ports (TEMPORAL_PORT, API_PORT) is found without extra variables.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface LocalStack {
  temporalAddress: string;
  apiUrl: string;
  /** The `npm start` process: a record whose writer is gone is stale. */
  pid: number;
}

/** DATA_DIR is relative to the project, as `npm start` resolves it. */
export function localStackFile(env: NodeJS.ProcessEnv, root = resolve(__dirname, '../..')): string {
  return resolve(root, env.DATA_DIR ?? '.data', 'local-stack.json');
}

export function writeLocalStack(file: string, stack: LocalStack): () => void {
  writeFileSync(file, `${JSON.stringify(stack, null, 2)}\n`);
  return () => rmSync(file, { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLocalStack(file: string): LocalStack | undefined {
  try {
    const stack = JSON.parse(readFileSync(file, 'utf8')) as LocalStack;
    return isRunning(stack.pid) ? stack : undefined;
  } catch {
    return undefined; // no stack running here
  }
}

/**
 * The environment the CLI runs with: TEMPORAL_ADDRESS and ROLLBACK_API_URL as given; else
 * from TEMPORAL_PORT and API_PORT; else from the running `npm start`'s record.
 */
export function withLocalStack(env: NodeJS.ProcessEnv, file = localStackFile(env)): NodeJS.ProcessEnv {
  const stack = env.TEMPORAL_ADDRESS && env.ROLLBACK_API_URL ? undefined : readLocalStack(file);
  const temporal = env.TEMPORAL_ADDRESS ?? (env.TEMPORAL_PORT ? `127.0.0.1:${env.TEMPORAL_PORT}` : stack?.temporalAddress);
  const api = env.ROLLBACK_API_URL ?? (env.API_PORT ? `http://127.0.0.1:${env.API_PORT}` : stack?.apiUrl);
  return { ...env, ...(temporal ? { TEMPORAL_ADDRESS: temporal } : {}), ...(api ? { ROLLBACK_API_URL: api } : {}) };
}
