// A step can run for minutes (a deploy, a restore). Without heartbeats a worker that dies
// mid-step is noticed only when the step's whole start-to-close timeout runs out; with them,
// Temporal retries it on another worker within the heartbeat timeout.
import { Context } from '@temporalio/activity';

/** How often a running step says it is alive; the workflow's heartbeat timeout is a few of these. */
export const HEARTBEAT_EVERY_MS = 2_000;

export async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return work(); // called outside an activity (tests, CLI)
  }
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
