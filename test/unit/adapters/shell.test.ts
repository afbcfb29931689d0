// The shell runner against real bash: strict mode (errexit, nounset, pipefail), the
// directory it runs in (the plan's, else the run's own, never the process's), exit codes, a
// timeout that leaves no process of the group alive, output trimmed to its tail, secrets
// masked, and a dry-run that runs nothing.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskSecrets, runWorkDir, ShellRunner, shellRunnerFor, shortCommand, tail } from '../../../src/adapters/shell';

const tempDir = () => mkdtempSync(join(tmpdir(), 'shell-'));
/** Date.now() and the timers' monotonic clock may disagree by a millisecond or two. */
const CLOCK_SLACK_MS = 5;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 3000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

test('a command that exits 0 is ok, with its exit code and output', async () => {
  const record = await new ShellRunner().run('echo hello; echo oops >&2');
  expect(record).toMatchObject({ ok: true, exitCode: 0, command: 'echo hello; echo oops >&2', summary: 'ran: echo hello; echo oops >&2' });
  expect(record.output).toBe('hello\noops\n');
});

test('a non-zero exit is an outcome, not a throw: ok false with the code and output', async () => {
  const record = await new ShellRunner().run('echo "no such image" >&2; exit 3');
  expect(record).toMatchObject({ ok: false, exitCode: 3, output: 'no such image\n' });
  expect(record.summary).toBe('exit 3: echo "no such image" >&2; exit 3');
});

test('runs bash -c in the configured cwd with the extra environment, call env over runner env', async () => {
  const dir = tempDir();
  const runner = new ShellRunner({ cwd: dir, env: { A: 'from-runner', B: 'runner' } });
  const record = await runner.run('pwd; echo "$A $B $0"', { env: { A: 'from-call' } });
  expect(record.output).toBe(`${dir}\nfrom-call runner bash\n`);
  expect(record.details?.cwd).toBe(dir);
});

describe('strict mode: set -euo pipefail', () => {
  test.each([
    ['a failing first pipe stage fails the pipe', 'false | cat', 1],
    ["an unreachable URL piped into jq fails with curl's exit code", 'curl -sf --max-time 2 http://127.0.0.1:9/health | jq -e .ok', 7],
    ['a failing command stops a list', 'false; echo "should not run"', 1],
    ['an unset variable fails instead of expanding to nothing', 'echo "dump to $ROLLBACK_TEST_NEVER_SET/dump"', 1],
  ])('%s', async (_, command, exitCode) => {
    const record = await new ShellRunner().run(command);
    expect(record).toMatchObject({ ok: false, exitCode });
    expect(record.output).not.toContain('should not run');
  });

  test('the unset variable is named in the output', async () => {
    const record = await new ShellRunner().run('mongodump --out="$INCIDENT_DIR/mongodb_dump_before_rollback"');
    expect(record.output).toContain('INCIDENT_DIR: unbound variable');
  });

  test('a failure the command handles itself still passes: || true, if, and a default value', async () => {
    const record = await new ShellRunner().run('grep -q nothing /dev/null || true; if false; then exit 9; fi; echo "${MAYBE_UNSET:-default}"');
    expect(record).toMatchObject({ ok: true, exitCode: 0, output: 'default\n' });
  });
});

describe('where commands run', () => {
  test("without a cwd: a fresh directory of the runner's own, never the process's working directory", async () => {
    const runner = new ShellRunner();
    const record = await runner.run('pwd; touch left-behind');
    expect(record.details?.cwd).toBe(runner.cwd);
    expect(record.output).toBe(`${runner.cwd}\n`);
    expect(runner.cwd).not.toBe(process.cwd());
    expect(existsSync(join(process.cwd(), 'left-behind'))).toBe(false);
    expect(readdirSync(runner.cwd)).toEqual(['left-behind']);
    // The same runner keeps its directory: the next command sees the file.
    expect((await runner.run('test -f left-behind')).ok).toBe(true);
  });

  test("shellRunnerFor: the plan's cwd wins; without one the run's directory; in a dry-run none is made", async () => {
    const planDir = tempDir();
    const state = tempDir();
    const runDir = () => runWorkDir(state, { workflowId: 'rollback-reserves-v11-reserves-ab/c', runId: 'run-1' });
    expect((await shellRunnerFor({ cwd: planDir, env: {}, secretEnv: [], outputLimit: '4KiB' }, { workDir: runDir }).run('pwd')).details?.cwd).toBe(planDir);
    const record = await shellRunnerFor(undefined, { workDir: runDir }).run('pwd');
    expect(record.details?.cwd).toBe(join(state, 'commands', 'rollback-reserves-v11-reserves-ab_c', 'run-1'));
    expect(record.output).toBe(`${record.details?.cwd as string}\n`);
    const dry = tempDir();
    shellRunnerFor(undefined, { dryRun: true, workDir: () => runWorkDir(dry, { workflowId: 'w', runId: 'r' }) });
    expect(readdirSync(dry)).toEqual([]);
  });
});

test('a timeout kills the whole process group: a background sleep 30 does not survive', async () => {
  const dir = tempDir();
  const pidFile = join(dir, 'child.pid');
  const started = Date.now();
  const record = await new ShellRunner({ killGraceMs: 500 }).run(`sleep 30 & echo $! > ${pidFile}; sleep 30`, { timeoutMs: 300 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(300 - CLOCK_SLACK_MS);
  expect(record).toMatchObject({ ok: false, details: { timedOut: true, timeoutMs: 300 } });
  expect(record.exitCode).toBeUndefined();
  expect(record.summary).toMatch(/^timed out after 300ms: sleep 30 &/);
  const child = Number(readFileSync(pidFile, 'utf8'));
  expect(await gone(child)).toBe(true);
});

test('a child that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
  const dir = tempDir();
  const pidFile = join(dir, 'stubborn.pid');
  const record = await new ShellRunner({ killGraceMs: 300 }).run(`bash -c 'trap "" TERM; echo $$ > ${pidFile}; while true; do sleep 0.1; done' & wait`, {
    timeoutMs: 300,
  });
  expect(record.details).toMatchObject({ timedOut: true });
  expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
});

test('a finished command does not wait for a background child that keeps the pipes open', async () => {
  const dir = tempDir();
  const pidFile = join(dir, 'bg.pid');
  const record = await new ShellRunner().run(`sleep 30 & echo $! > ${pidFile}; echo done`);
  expect(record).toMatchObject({ ok: true, exitCode: 0, output: 'done\n' });
  // The record came back while the child still holds the pipes: the runner did not wait for it.
  const child = Number(readFileSync(pidFile, 'utf8'));
  expect(alive(child)).toBe(true);
  process.kill(child);
});

test('output is trimmed to its last N KiB (default 4 KiB), and the record says how much there was', async () => {
  const record = await new ShellRunner().run('for i in $(seq 1 2000); do echo "line $i"; done');
  const output = record.output!;
  expect(output.startsWith('[… ')).toBe(true);
  expect(output).toMatch(/earlier bytes trimmed\]\n/);
  expect(output.endsWith('line 2000\n')).toBe(true);
  const kept = output.slice(output.indexOf('\n') + 1);
  expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(4096);
  expect(record.details?.outputBytes).toBeGreaterThan(4096);

  const small = await new ShellRunner({ outputLimit: 64 }).run('seq 1 1000');
  expect(small.output!.endsWith('1000\n')).toBe(true);
  expect(Buffer.byteLength(small.output!.slice(small.output!.indexOf('\n') + 1))).toBeLessThanOrEqual(64);
});

test('values of env vars marked secret are *** in the recorded command and output, even across the trim', async () => {
  const token = 'tok-9f8e7d6c5b4a';
  const runner = new ShellRunner({ secretNames: ['DEPLOY_TOKEN'], baseEnv: { ...process.env, DEPLOY_TOKEN: token }, outputLimit: 40 });
  const record = await runner.run(`echo "using ${token}"; printf 'x%.0s' $(seq 1 30); echo "$DEPLOY_TOKEN"; echo "again $DEPLOY_TOKEN"`);
  expect(record.command).toBe('echo "using ***"; printf \'x%.0s\' $(seq 1 30); echo "$DEPLOY_TOKEN"; echo "again $DEPLOY_TOKEN"');
  expect(record.output).not.toContain(token);
  expect(record.output).not.toContain(token.slice(4));
  expect(record.output).toContain('again ***');
  expect(JSON.stringify(record)).not.toContain(token);
});

test('dry-run records the command and runs nothing', async () => {
  const dir = tempDir();
  const marker = join(dir, 'ran');
  const record = await new ShellRunner({ dryRun: true }).run(`touch ${marker}`);
  expect(record).toEqual({ ok: true, dryRun: true, command: `touch ${marker}`, summary: `would run: touch ${marker}` });
  expect(existsSync(marker)).toBe(false);
});

test('a command that cannot start (missing cwd) is ok false without an exit code', async () => {
  const record = await new ShellRunner({ cwd: '/nonexistent/dir/for/test' }).run('true');
  expect(record.ok).toBe(false);
  expect(record.exitCode).toBeUndefined();
  expect(record.summary).toMatch(/^could not run: true/);
});

test('a command killed by a signal is reported with the signal', async () => {
  const record = await new ShellRunner().run('kill -9 $$');
  expect(record).toMatchObject({ ok: false, details: { signal: 'SIGKILL' } });
  expect(record.exitCode).toBeUndefined();
});

test('shellRunnerFor reads the plan block: cwd, env, secretEnv and outputLimit', async () => {
  const dir = tempDir();
  const runner = shellRunnerFor(
    { cwd: dir, env: { STAGE: 'blue' }, secretEnv: ['DB_PASSWORD'], outputLimit: '1KiB' },
    { baseEnv: { ...process.env, DB_PASSWORD: 's3cr3t-pw' } },
  );
  expect(runner.outputLimit).toBe(1024);
  const record = await runner.run('echo "$STAGE $DB_PASSWORD"; pwd');
  expect(record.output).toBe(`blue ***\n${dir}\n`);
});

describe('helpers', () => {
  test('maskSecrets masks the longest secret first and ignores empty values', () => {
    expect(maskSecrets('abc abcdef', ['abc', 'abcdef', ''])).toBe('*** ***');
  });

  test('tail keeps whole characters when the cut splits one', () => {
    const text = 'é'.repeat(10); // 2 bytes each
    const kept = tail(text, 5);
    expect(kept.endsWith('éé')).toBe(true);
    expect(kept).not.toContain('\uFFFD');
  });

  test('shortCommand shows the first line of a long or multi-line command', () => {
    expect(shortCommand('a\nb')).toBe('a …');
    expect(shortCommand('x'.repeat(200)).length).toBe(120);
  });
});
