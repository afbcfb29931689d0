// One interface per role an adapter plays; one file per vendor implements it (nginx and
// HAProxy are TrafficRouters, Redis a Cache, PostgreSQL a Database, Prometheus a
// MetricSource, Alertmanager an AlertSource, Slack and PagerDuty Notifiers). Activities only
// see these interfaces.

/** What one action did, for the incident record: commands with exit codes and trimmed output. */
export interface ActionRecord {
  ok: boolean;
  /** One line for the timeline. */
  summary: string;
  command?: string;
  exitCode?: number;
  /** The tail of stdout+stderr, trimmed to a few KiB. */
  output?: string;
  /** Adapter-specific facts (previous weights, commit ids, backup file…). */
  details?: Record<string, unknown>;
  /** True when nothing was changed because the run is a dry-run drill. */
  dryRun?: boolean;
}

export interface TrafficRouter {
  /** Sends `percent` % of the service's traffic to `pool` (the rest to the other pools). */
  shift(service: string, pool: string, percent: number): Promise<ActionRecord>;
  /** Requests still being served by the pool being drained (for traffic.drain's maxActive). */
  activeRequests(service: string): Promise<number>;
  /** Current weights by pool, for the pre-rollback snapshot. */
  weights(service: string): Promise<Record<string, number>>;
  /** What the router serves now, read back after a shift. */
  readBack(service: string): Promise<TrafficState>;
}

/** A traffic router's state as read back from it (not from what we asked it). */
export interface TrafficState {
  /** Share of traffic by pool, in percent. */
  weights: Record<string, number>;
  /** Where it was read: "HAProxy runtime API", "nginx upstream file". */
  source: string;
  /** Servers that take no traffic and why (DOWN, MAINT, DRAIN, down). */
  idle?: Record<string, string>;
  /** False when the router runs an older configuration than the one read (nginx not reloaded); undefined when it cannot tell. */
  live?: boolean;
}

export interface Cache {
  flush(name: string): Promise<ActionRecord>;
  /** Keys now in the named cache (DBSIZE of its database). */
  size(name: string): Promise<number>;
}

export interface Database {
  /** Migrates down to the named version (the migration tool's own command if the step gives one). */
  migrateDown(to: string): Promise<ActionRecord>;
  restore(backup: string): Promise<ActionRecord>;
  /** Dumps the whole database to `file` (written whole or not at all); the record's details carry `file` and `bytes`. */
  backup(file: string): Promise<ActionRecord>;
  /** Names of the backups available, newest first. */
  backups(): Promise<string[]>;
  /** What the database says now: applied migrations (when the plan names the table) and its tables. */
  readBack(): Promise<DatabaseState>;
}

export interface DatabaseState {
  /** Applied migration versions, oldest first; undefined without adapters.database.migrations. */
  migrations?: string[];
  /** Tables outside the system schemas. */
  tables: number;
}

export interface MetricSample {
  /** Value in the query's unit, or undefined when the query returned nothing. */
  value: number | undefined;
  at: string;
  query: string;
}

/**
 * What the roles read at one moment, before the first action and after verification (seed
 * 004 §1.3). Activities capture it; the workflow keeps it in the incident record.
 */
export interface Snapshot {
  at: string;
  commit?: Commit;
  metrics: MetricSample[];
  /** Recent log lines, trimmed. */
  logs?: string;
}

/** One series of a range query: its labels and its values over time. */
export interface MetricSeries {
  labels: Record<string, string>;
  /** Epoch milliseconds and value in the query's unit, oldest first. */
  points: { at: number; value: number }[];
}

/** Where a range query is evaluated: every `stepMs` from `start` to `end` (epoch milliseconds). */
export interface MetricRange {
  start: number;
  end: number;
  stepMs: number;
}

export interface MetricSource {
  query(query: string): Promise<MetricSample>;
  /** Every series the query returns, evaluated at each step of the range (a watched trigger's hold window). */
  range(query: string, range: MetricRange): Promise<MetricSeries[]>;
}

export interface AlertSource {
  /** Alert names of currently active (firing, not silenced) alerts, optionally for one service. */
  activeAlerts(service?: string): Promise<string[]>;
}

export interface Commit {
  commit: string;
  subject: string;
}

export interface SourceControl {
  currentCommit(): Promise<Commit>;
  refExists(ref: string): Promise<boolean>;
  checkout(ref: string, paths?: string[]): Promise<ActionRecord>;
  /** Files (under `paths`, or anywhere) whose working-tree content differs from `commit`. */
  differingFrom(commit: string, paths?: string[]): Promise<string[]>;
}

export interface CommandRunner {
  run(command: string, options?: { timeoutMs?: number; env?: Record<string, string> }): Promise<ActionRecord>;
}

/** How a notification went: delivered (`sent`), or skipped with the reason (nothing configured to send it). */
export interface Delivery {
  sent: boolean;
  reason?: string;
  channel?: string;
  ts?: string;
}

/**
 * Where a notification goes, as the plan configures it; the notifier factory
 * (src/adapters/notifiers.ts) picks the vendor's Notifier from `notifier`.
 */
export type NotifierTarget =
  | { notifier: 'slack'; channel: string }
  | {
      notifier: 'pagerduty';
      /** Environment variable holding the integration key (a secret: read on the worker only). */
      routingKeyEnv: string;
      severity: 'critical' | 'error' | 'warning' | 'info';
      /** One incident per run on PagerDuty's side: its open, acknowledge and resolve share the key. */
      dedupKey: string;
      source: string;
    };

/** What people are told, and where the incident stands with it. */
export interface Notice {
  /** The on-call lifecycle: `trigger` opens (or adds to) the incident, `acknowledge` says a person has it, `resolve` closes it. */
  event: 'trigger' | 'acknowledge' | 'resolve';
  text: string;
}

export interface Notifier {
  notify(notice: Notice): Promise<Delivery>;
}
