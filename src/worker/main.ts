// Worker process: polls the task queue and runs rollback workflows and their activities.
// Its activities get a Temporal client of their own: a watched trigger that fires starts or
// joins its incident through the service desk, as an alert does.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { connectionOptions, readConfig, WorkerEnv } from '../config';
import { incidentOpener } from '../incidents/watch';
import { activityDeps, stepGuard } from './deps';
import { workflowInterceptorModules, workflowsPath } from './workflowCode';

async function main(): Promise<void> {
  const config = readConfig(WorkerEnv);
  // A shared guard that cannot be reached stops the worker here, not at its first step.
  const ledger = stepGuard(config);
  await ledger.open?.();
  const connection = await NativeConnection.connect(connectionOptions(config));
  const clientConnection = await Connection.connect(connectionOptions(config));
  const incidents = incidentOpener(new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }), config.TEMPORAL_TASK_QUEUE);
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ...(config.WORKFLOW_BUNDLE
        ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE } }
        : { workflowsPath, interceptors: { workflowModules: workflowInterceptorModules } }),
      activities: createActivities({ ...activityDeps(config, process.env, ledger), incidents }),
      ...(config.WORKER_MAX_CACHED_WORKFLOWS === undefined ? {} : { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS }),
    });
    console.log(`worker: polling ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}/${config.TEMPORAL_NAMESPACE}; step guard: ${config.STEP_GUARD}`);
    await worker.run();
  } finally {
    await clientConnection.close();
    await connection.close();
    await ledger.close?.();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
