// Worker process: polls the task queue and runs rollback workflows and their activities.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { connectionOptions, readConfig, WorkerEnv } from '../config';
import { activityDeps, stepGuard } from './deps';
import { workflowInterceptorModules, workflowsPath } from './workflowCode';

async function main(): Promise<void> {
  const config = readConfig(WorkerEnv);
  // A shared guard that cannot be reached stops the worker here, not at its first step.
  const ledger = stepGuard(config);
  await ledger.open?.();
  const connection = await NativeConnection.connect(connectionOptions(config));
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ...(config.WORKFLOW_BUNDLE
        ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE } }
        : { workflowsPath, interceptors: { workflowModules: workflowInterceptorModules } }),
      activities: createActivities(activityDeps(config, process.env, ledger)),
      ...(config.WORKER_MAX_CACHED_WORKFLOWS === undefined ? {} : { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS }),
    });
    console.log(`worker: polling ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}/${config.TEMPORAL_NAMESPACE}; step guard: ${config.STEP_GUARD}`);
    await worker.run();
  } finally {
    await connection.close();
    await ledger.close?.();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
