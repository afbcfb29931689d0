// Configuration comes from the environment and is checked at boot, so a typo fails the
// start with the variable's name instead of failing a rollback later.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { TASK_QUEUE } from './workflows/messages';

const ROOT = resolve(__dirname, '..');

/** This package's version (package.json): `rollback --version`, the API's description. */
export const VERSION = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const Port = z.coerce.number().int().min(0).max(65535);

export const TemporalEnv = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default(TASK_QUEUE),
  /** Temporal Cloud API key; when set, the connection uses TLS. */
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false'),
});

export const WorkerEnv = TemporalEnv.extend({
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[a-z]-/, 'a Slack bot token starts with xoxb-')
    .optional(),
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  PAGERDUTY_EVENTS_URL: z.url().default('https://events.pagerduty.com'),
  FLAG_STORE_PATH: z.string().default(resolve(ROOT, '.data/flags.json')),
  /** The worker's own state: the step guard's files when STEP_GUARD is `file`. */
  STATE_DIR: z.string().default(resolve(ROOT, '.data/worker')),
  /** Where the step guard lives: files in STATE_DIR (one worker) or PostgreSQL shared by all workers. */
  STEP_GUARD: z.enum(['file', 'postgres']).default('file'),
  STEP_GUARD_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL')
    .optional(),
  /** A workflow bundle built ahead of time (tests build one for all workers). */
  WORKFLOW_BUNDLE: z.string().optional(),
  /**
   * Workflows kept in memory between their tasks (the SDK's default follows the heap size,
   * thousands on a big machine). Fewer: less memory; a workflow not kept is replayed from
   * its history at its next task. README, "Sizing a worker".
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  /** Where the worker serves GET /metrics (its own and the Temporal SDK's); port 0 takes any free port. */
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  WORKER_METRICS_PORT: Port.default(9464),
}).refine((env) => env.STEP_GUARD !== 'postgres' || env.STEP_GUARD_DATABASE_URL !== undefined, {
  path: ['STEP_GUARD_DATABASE_URL'],
  message: 'STEP_GUARD=postgres needs STEP_GUARD_DATABASE_URL (postgres://…), the database every worker shares',
});

export const ApiEnv = TemporalEnv.extend({
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: Port.default(8080),
  /** The credentials file (src/api/tokensFile.ts): scoped tokens, and people's tokens for decisions. */
  API_TOKENS_FILE: z.string().optional(),
  /** Legacy single token: alerts:write and incidents:read only — it can never decide. */
  API_TOKEN: z.string().min(16, 'API_TOKEN must be at least 16 characters').optional(),
  PLANS_DIR: z.string().default(resolve(ROOT, 'plans')),
  SLACK_SIGNING_SECRET: z.string().min(16, 'SLACK_SIGNING_SECRET looks too short').optional(),
}).refine((c) => c.API_TOKENS_FILE !== undefined || c.API_TOKEN !== undefined, {
  path: ['API_TOKENS_FILE'],
  message: 'no credentials: set API_TOKENS_FILE (scoped tokens; see README) or at least the legacy API_TOKEN',
});

export type TemporalConfig = z.infer<typeof TemporalEnv>;
export type WorkerConfig = z.infer<typeof WorkerEnv>;
export type ApiConfig = z.infer<typeof ApiEnv>;

export class ConfigError extends Error {
  constructor(issues: z.core.$ZodIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function readConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings count as unset, as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) throw new ConfigError(result.error.issues);
  return result.data;
}

export function connectionOptions(config: TemporalConfig) {
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY, tls: true } : {}),
    ...(config.TEMPORAL_TLS === 'true' ? { tls: true } : {}),
  };
}
