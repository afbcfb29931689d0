// npm start's supervision with real child processes and a shortened backoff: a process
// that keeps crashing waits twice as long each time up to the cap, and a run that stayed
// up long enough to count as healthy brings the wait back to the start.
import { spawn } from 'node:child_process';
import { Supervised } from '../../../scripts/lib/supervise';

test('restarts with doubling backoff up to the cap, reset after a healthy run; stop ends it', async () => {
  const lines: string[] = [];
  // Runs 1-4 crash at once, run 5 stays up past healthyAfterMs, then crashes; run 6 crashes at once.
  const lifetimes = [0, 0, 0, 0, 0.5, 0];
  let runs = 0;
  const supervised = new Supervised({
    name: 'worker',
    log: (line) => lines.push(line),
    backoff: { initialMs: 50, maxMs: 200, healthyAfterMs: 300 },
    start: () => spawn('sleep', [String(lifetimes[runs++] ?? 60)]),
  });
  await supervised.start();
  while (supervised.restarts < lifetimes.length) await new Promise((r) => setTimeout(r, 20));
  await supervised.stop();

  const waits = lines.filter((l) => l.includes('restarting')).map((l) => l.replace(/^.*restarting in /, ''));
  expect(waits).toEqual(['0.05s', '0.1s', '0.2s', '0.2s', '0.05s', '0.1s']);
  expect(lines[0]).toMatch(/^worker started \(pid \d+\)$/);
  expect(lines[1]).toBe('worker exited (exit code 0); restarting in 0.05s');
  expect(lines.filter((l) => /^worker restarted \(pid \d+, restart \d\)$/.test(l))).toHaveLength(6);
  expect(runs).toBe(7);
});

test('a process that fails to start is retried with the same backoff', async () => {
  const lines: string[] = [];
  let attempts = 0;
  const supervised = new Supervised({
    name: 'Temporal dev server',
    log: (line) => lines.push(line),
    backoff: { initialMs: 20, maxMs: 40, healthyAfterMs: 1000 },
    start: () => {
      attempts++;
      if (attempts > 1 && attempts < 4) throw new Error('port 7233 is in use');
      return spawn('sleep', [attempts === 1 ? '0' : '60']);
    },
  });
  await supervised.start();
  while (supervised.restarts < 1) await new Promise((r) => setTimeout(r, 10));
  await supervised.stop();
  expect(lines.slice(1)).toEqual([
    'Temporal dev server exited (exit code 0); restarting in 0.02s',
    'Temporal dev server could not start (port 7233 is in use); restarting in 0.04s',
    'Temporal dev server could not start (port 7233 is in use); restarting in 0.04s',
    expect.stringMatching(/^Temporal dev server restarted \(pid \d+, restart 1\)$/),
  ]);
});
