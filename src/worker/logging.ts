// The worker's log: one JSON line per event (pino), the incident id on every line about a run,
// and no secret value on any line. The SDK's own lines, and the workflow and activity context
// loggers, reach it through the Runtime's logger (temporalLogger below), which carries the
// workflow id: a run's workflow id is its incident id (src/incidents/start.ts).
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { maskSecrets, secretValues } from '../adapters/shell';
import type { PlanAdapters } from '../activities/deps';

/**
 * Names of the environment variables whose values must never be logged: the worker's own
 * secrets, and those the plans name (`adapters.commands.secretEnv`, `urlEnv`s, PagerDuty's
 * `routingKeyEnv`), learnt as activities carry them.
 */
export class SecretNames {
  private readonly names: Set<string>;

  constructor(
    initial: readonly string[],
    private readonly env: Record<string, string | undefined>,
  ) {
    this.names = new Set(initial);
  }

  /** The secret names an activity's input gives (its plan's adapters, a PagerDuty target). */
  learnFrom(input: unknown): void {
    const { adapters, to, routingKeyEnv } = (input ?? {}) as { adapters?: PlanAdapters; to?: { routingKeyEnv?: string }; routingKeyEnv?: string };
    for (const name of [...(adapters?.commands?.secretEnv ?? []), adapters?.cache?.urlEnv, adapters?.database?.urlEnv, to?.routingKeyEnv, routingKeyEnv]) {
      if (name) this.names.add(name);
    }
  }

  /** The values to mask, also as they appear inside a JSON string (quotes and backslashes escaped). */
  values(): string[] {
    const values = secretValues([...this.names], this.env);
    return [...new Set([...values, ...values.map((v) => JSON.stringify(v).slice(1, -1))])];
  }
}

/** The worker's logger: JSON lines on stdout (or `destination`), secret values replaced by ***. */
export function workerLogger(secrets: SecretNames, destination?: DestinationStream): Logger {
  return pino(
    {
      base: { process: 'worker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (line) => maskSecrets(line, secrets.values()) },
    },
    destination,
  );
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK's attributes as fields of the line: the incident id named, an error under pino's `err`. */
function fields(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const { error, failure, ...rest } = meta as { error?: unknown; failure?: unknown } & Record<string, unknown>;
  const err = error ?? failure;
  return {
    ...(typeof rest.workflowId === 'string' ? { incidentId: rest.workflowId } : {}),
    ...rest,
    ...(err === undefined ? {} : { err }),
  };
}

/** The Runtime's logger (Runtime.install({ logger })), writing through the worker's pino logger. */
export function temporalLogger(log: Logger): TemporalLogger {
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => log[LEVELS[level]](fields(meta), message);
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}
