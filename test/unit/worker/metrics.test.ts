// The worker's own metrics as a scrape shows them: what each watched trigger's evaluation came to.
import type { Context } from '@temporalio/activity';
import type { TriggerReading } from '../../../src/activities/watch';
import { SecretNames } from '../../../src/worker/logging';
import { observeActivities, workerMetrics } from '../../../src/worker/metrics';

test('rollback_watch_evaluations_total counts each trigger of a tick by what it came to', async () => {
  const metrics = workerMetrics();
  const ctx = {
    info: { activityType: 'evaluateWatchedTriggers', attempt: 1, workflowExecution: { workflowId: 'watch:demo-watched:demo:production', runId: 'r' } },
    log: { info: () => undefined, warn: () => undefined },
  } as unknown as Context;
  const inbound = observeActivities(metrics, new SecretNames([], {}))(ctx).inbound!;
  const readings: TriggerReading[] = [
    { trigger: 'ErrorRate', at: 2, evaluation: { fired: true, since: 1, heldFor: 1, value: 0.2, reason: 'held' } },
    { trigger: 'Latency', at: 2, evaluation: { fired: false, since: 1, reason: 'holding' } },
    { trigger: 'Saturation', at: 2, evaluation: { fired: false, reason: 'fine' } },
    { trigger: 'Down', at: 2, error: 'connect ECONNREFUSED' },
  ];
  const answer = await inbound.execute!({ args: [{}], headers: {} }, () => Promise.resolve(readings));
  expect(answer).toBe(readings);
  const text = await metrics.registry.metrics();
  for (const [trigger, result] of [
    ['ErrorRate', 'fired'],
    ['Latency', 'holding'],
    ['Saturation', 'clear'],
    ['Down', 'error'],
  ]) {
    expect(text).toContain(`rollback_watch_evaluations_total{watcher="watch:demo-watched:demo:production",trigger="${trigger}",result="${result}"} 1`);
  }
});
