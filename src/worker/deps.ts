// Adapters chosen from configuration, handed to createActivities.
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../activities';
import { flagStoreFor, infraAdapters } from '../adapters/factory';
import { gitSourceControlFor } from '../adapters/git';
import { probeHttp } from '../adapters/httpCheck';
import { FileIdempotencyLedger, type IdempotencyStore } from '../adapters/idempotencyLedger';
import { PostgresIdempotencyLedger } from '../adapters/idempotencyLedgerPostgres';
import { PagerDutyClient } from '../adapters/pagerduty';
import { runWorkDir, shellRunnerFor } from '../adapters/shell';
import { SlackNotifier } from '../adapters/slack';
import type { WorkerConfig } from '../config';

/**
 * The worker's own secrets: never in a step's record (a command that prints its environment)
 * nor in a log line. Plans name theirs besides (`adapters.commands.secretEnv`, …).
 */
export const WORKER_SECRET_NAMES = ['SLACK_BOT_TOKEN', 'TEMPORAL_API_KEY', 'STEP_GUARD_DATABASE_URL'] as const;

/** The step guard the configuration names: the worker's own files, or PostgreSQL shared by every worker. */
export function stepGuard(config: WorkerConfig): IdempotencyStore {
  if (config.STEP_GUARD === 'postgres') return new PostgresIdempotencyLedger({ url: config.STEP_GUARD_DATABASE_URL! });
  return new FileIdempotencyLedger(join(config.STATE_DIR, 'steps'));
}

/** The current run's own directory for commands of a plan without `adapters.commands.cwd`. */
function currentRunWorkDir(stateDir: string): string | undefined {
  let execution;
  try {
    execution = Context.current().info.workflowExecution;
  } catch {
    return undefined; // not inside an activity: the runner makes a temporary directory
  }
  return execution ? runWorkDir(stateDir, execution) : undefined;
}

export function activityDeps(config: WorkerConfig, env: NodeJS.ProcessEnv = process.env, ledger: IdempotencyStore = stepGuard(config)): ActivityDeps {
  return {
    flagStore: (store, environment) => flagStoreFor(store, environment, config.FLAG_STORE_PATH, env),
    infra: (adapters) => infraAdapters(adapters, env),
    sourceControl: (adapters) => gitSourceControlFor(adapters.git),
    shell: (adapters, dryRun) => shellRunnerFor(adapters.commands, { dryRun, baseEnv: env, workDir: () => currentRunWorkDir(config.STATE_DIR) }),
    ledger,
    secretNames: WORKER_SECRET_NAMES,
    ...(config.SLACK_BOT_TOKEN ? { slack: new SlackNotifier({ token: config.SLACK_BOT_TOKEN, slackApiUrl: config.SLACK_API_URL }) } : {}),
    pagerduty: new PagerDutyClient({ baseUrl: config.PAGERDUTY_EVENTS_URL }),
    secret: (name) => env[name] || undefined,
    probeHttp,
    env,
  };
}
