// API process: loads the plans and the credentials, and serves HTTP. Temporal is connected
// lazily: the API starts, and /healthz answers, while Temporal is still down. It also starts
// the watchers of the plans that turn watching on, as soon as Temporal answers.
import { Client } from '@temporalio/client';
import { ApiEnv, readConfig } from '../config';
import { startWatchingPlans } from '../incidents/watch';
import { loadPlanDirectory } from '../validation/files';
import { buildApp } from './app';
import { lazyTemporalConnection } from './temporal';
import { apiCredentials } from './tokensFile';

async function main(): Promise<void> {
  const config = readConfig(ApiEnv);
  const plans = loadPlanDirectory(config.PLANS_DIR);
  const credentials = apiCredentials(config);
  const connection = lazyTemporalConnection(config);
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const app = buildApp(
    {
      client,
      plans,
      credentials,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ...(config.SLACK_SIGNING_SECRET ? { slackSigningSecret: config.SLACK_SIGNING_SECRET } : {}),
      now: Date.now,
    },
    { logger: { level: 'info', redact: ['req.headers.authorization', 'req.headers["x-slack-signature"]'] } },
  );
  const close = async () => {
    await app.close();
    await connection.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
  await app.listen({ host: config.API_HOST, port: config.API_PORT });
  app.log.info(`plans loaded: ${[...plans.keys()].join(', ')}; ${credentials.size} credential(s); Temporal at ${config.TEMPORAL_ADDRESS}`);
  void startWatchingPlans(client, config.TEMPORAL_TASK_QUEUE, plans.values(), (line) => app.log.info(line));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
