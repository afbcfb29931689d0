// What every scenario prints: percentiles of its samples, and what the machine did meanwhile
// (load average; peak RSS and CPU seconds of this process — the API and the client — and of
// the worker's and the Temporal server's process trees).
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { WorkflowHandle } from '@temporalio/client';

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

/** Each process's children, from one pass over /proc (Linux). */
function childrenByParent(): Map<number, number[]> {
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
  return children;
}

/** Sums `read(pid)` over `root` and its descendants; a process that ended meanwhile counts 0. */
function overTree(root: number, children: Map<number, number[]>, read: (pid: number) => number): number {
  let total = 0;
  const visit = (pid: number) => {
    try {
      total += read(pid);
    } catch {
      // ended
    }
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return total;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
/** User + system CPU time in seconds (clock ticks are 1/100 s on Linux). */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

export interface Machine {
  /** 1-minute load average: at the end of the run and the highest seen. */
  loadAverage: { end: number; max: number };
  rssPeakMb: { benchProcess: number; [process: string]: number | undefined };
  /** CPU seconds each used during the run: who was busy (2 cores give 2 s per second). */
  cpuSeconds: { benchProcess: number; [process: string]: number | undefined };
  seconds: number;
}

/** Samples load and RSS every half second until stopped. */
export function watchMachine(pids: Record<string, number | undefined> = {}): { stop(): Machine } {
  const watched = Object.entries({ benchProcess: process.pid, ...pids }).filter((entry): entry is [string, number] => entry[1] !== undefined);
  // One pass over /proc per reading. The bench process alone (the worker and a dev server
  // are its children); the others with their children.
  const readAll = (what: (pid: number) => number): Record<string, number> => {
    const children = childrenByParent();
    return Object.fromEntries(watched.map(([name, pid]) => [name, name === 'benchProcess' ? what(pid) : overTree(pid, children, what)]));
  };
  const cpuNow = () => readAll(cpuSeconds);
  const cpuAtStart = cpuNow();
  const startedAt = performance.now();
  let maxLoad = 0;
  const peak: Record<string, number> = {};
  const sample = () => {
    maxLoad = Math.max(maxLoad, loadavg()[0]);
    for (const [name, mb] of Object.entries(readAll(rssMb))) peak[name] = Math.max(peak[name] ?? 0, mb);
  };
  sample();
  const timer = setInterval(sample, 500);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const cpuAtEnd = cpuNow();
      const rounded = (figures: Record<string, number>) => Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v)]));
      return {
        loadAverage: { end: round(loadavg()[0], 2), max: round(maxLoad, 2) },
        rssPeakMb: rounded(peak) as Machine['rssPeakMb'],
        cpuSeconds: rounded(Object.fromEntries(Object.entries(cpuAtEnd).map(([k, v]) => [k, v - (cpuAtStart[k] ?? 0)]))) as Machine['cpuSeconds'],
        seconds: round((performance.now() - startedAt) / 1000),
      };
    },
  };
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
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

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

export const eventMs = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);

/**
 * Where a run's time went, from its history (event times are the server's): a fired timer
 * until a worker works on it, each activity waiting to start and running (to its completion
 * on the server), each workflow task waiting for a worker and being worked.
 */
export function historyPhases(events: HistoryEvent[]): Record<string, number[]> {
  const phases: Record<string, number[]> = {
    timerFiredToTaskStart: [],
    activityScheduleToStart: [],
    activityStartToClose: [],
    workflowTaskScheduleToStart: [],
    workflowTaskStartToClose: [],
  };
  let firedAt: number | undefined;
  const at = new Map(events.map((e) => [Number(e.eventId), eventMs(e)]));
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (started) phases.activityScheduleToStart.push(eventMs(e) - at.get(Number(started.scheduledEventId))!);
    const closed = e.activityTaskCompletedEventAttributes;
    if (closed) phases.activityStartToClose.push(eventMs(e) - at.get(Number(closed.startedEventId))!);
    const wftStarted = e.workflowTaskStartedEventAttributes;
    if (wftStarted) phases.workflowTaskScheduleToStart.push(eventMs(e) - at.get(Number(e.eventId) - 1)!);
    if (wftStarted && firedAt !== undefined) phases.timerFiredToTaskStart.push(eventMs(e) - firedAt);
    if (wftStarted) firedAt = undefined;
    if (e.timerFiredEventAttributes) firedAt = eventMs(e);
    const wftDone = e.workflowTaskCompletedEventAttributes;
    if (wftDone) phases.workflowTaskStartToClose.push(eventMs(e) - at.get(Number(wftDone.startedEventId))!);
  }
  return phases;
}
