// What every scenario prints: percentiles of its samples, and what the machine did meanwhile
// (load average, peak RSS of this process, which hosts the worker, the API and the client
// alike, and of the dev server's process tree).
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summary(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? NaN) };
}

export function median(samples: number[]): number {
  return summary(samples).p50;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Resident memory of a process and its descendants, in MB (Linux /proc). */
function treeRssMb(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let kb = 0;
  const visit = (pid: number) => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // ended
    }
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return kb / 1024;
}

export interface Machine {
  /** 1-minute load average: at the end of the run and the highest seen. */
  loadAverage: { end: number; max: number };
  rssPeakMb: { benchProcess: number; [process: string]: number | undefined };
}

/** Samples load and RSS every half second until stopped. */
export function watchMachine(pids: Record<string, number | undefined> = {}): { stop(): Machine } {
  let maxLoad = 0;
  const peak: Record<string, number> = { benchProcess: 0 };
  const sample = () => {
    maxLoad = Math.max(maxLoad, loadavg()[0]!);
    peak.benchProcess = Math.max(peak.benchProcess!, process.memoryUsage().rss / 2 ** 20);
    for (const [name, pid] of Object.entries(pids)) if (pid) peak[name] = Math.max(peak[name] ?? 0, treeRssMb(pid));
  };
  sample();
  const timer = setInterval(sample, 500);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const rssPeakMb = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, round(v)])) as Machine['rssPeakMb'];
      return { loadAverage: { end: round(loadavg()[0]!, 2), max: round(maxLoad, 2) }, rssPeakMb };
    },
  };
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
