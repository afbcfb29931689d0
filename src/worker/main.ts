// Worker process: polls the task queue and runs rollback workflows and their activities.
// Its activities get a Temporal client of their own: a watched trigger that fires starts or
// joins its incident through the service desk, as an alert does. It logs JSON lines
// (src/worker/logging.ts) and serves GET /metrics (src/worker/metrics.ts).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { connectionOptions, readConfig, WorkerEnv } from '../config';
import { incidentOpener } from '../incidents/watch';
import { DECISION_LATENCY_METRIC } from '../workflows/interceptors';
import { activityDeps, stepGuard, WORKER_SECRET_NAMES } from './deps';
import { SecretNames, temporalLogger, workerLogger } from './logging';
import { freeLoopbackAddress, observeActivities, serveMetrics, workerMetrics } from './metrics';
import { workflowInterceptorModules, workflowsPath } from './workflowCode';

async function main(): Promise<void> {
  const config = readConfig(WorkerEnv);
  const secrets = new SecretNames(WORKER_SECRET_NAMES, process.env);
  const log = workerLogger(secrets);
  const metrics = workerMetrics();
  const sdkAddress = await freeLoopbackAddress();
  Runtime.install({
    logger: temporalLogger(log),
    telemetryOptions: {
      metrics: {
        prometheus: {
          bindAddress: sdkAddress,
          // Decisions take from milliseconds (the plan's table) to a window's length (the clock).
          histogramBucketOverrides: { [DECISION_LATENCY_METRIC]: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600] },
        },
      },
    },
  });
  const endpoint = await serveMetrics({ host: config.WORKER_METRICS_HOST, port: config.WORKER_METRICS_PORT, metrics, sdkAddress }, log);
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
      ...(config.WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE } } : { workflowsPath }),
      interceptors: {
        activity: [observeActivities(metrics, secrets)],
        ...(config.WORKFLOW_BUNDLE ? {} : { workflowModules: workflowInterceptorModules }),
      },
      activities: createActivities({ ...activityDeps(config, process.env, ledger), incidents }),
      ...(config.WORKER_MAX_CACHED_WORKFLOWS === undefined ? {} : { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS }),
    });
    log.info(
      { taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: `${config.TEMPORAL_ADDRESS}/${config.TEMPORAL_NAMESPACE}`, stepGuard: config.STEP_GUARD },
      `worker: polling ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}/${config.TEMPORAL_NAMESPACE}; step guard: ${config.STEP_GUARD}; metrics: ${endpoint ? `http://${endpoint.address}/metrics` : 'not served'}`,
    );
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
