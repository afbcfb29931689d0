// The workflow's public surface: task queue, signals, queries, search attributes and the
// shapes they carry. The API, CLI and tests import this module, never workflow internals.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CheckVerdict } from '../activities/checks';
import type { ResolvedLastKnownGood } from '../activities/preRollback';
import type { ActionRecord, Snapshot } from '../adapters/roles';
import type { Milestone, Plan } from '../plan/schema';
import type { DecisionContext } from '../policy/context';
import type { Episode } from '../policy/episodes';
import type { RunScore } from '../policy/timing';
import type { CheckSample, TriggerEvaluation } from '../policy/triggers';
import type { Episode as WatchEpisode } from '../policy/watch';

export type { Snapshot } from '../adapters/roles';

export const TASK_QUEUE = 'rollback-orchestrator';

export const Stage = {
  Detect: 'detect',
  Decide: 'decide',
  Announce: 'announce',
  Drain: 'drain',
  RollBack: 'roll-back',
  Verify: 'verify',
  ValidateSlos: 'validate-slos',
  Monitor: 'monitor',
  Report: 'report',
  Done: 'done',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

export const Outcome = {
  /** Rolled back and every check passed. */
  RolledBack: 'rolled-back',
  /** Rolled back, but a check still failed: people must look. */
  RollbackUnverified: 'rollback-unverified',
  /** A rollback step itself failed. */
  RollbackFailed: 'rollback-failed',
  /** A person rejected the rollback. */
  Rejected: 'rejected',
  /** Nobody rolled back (further): the plan said hold, prepare or monitor, or people (or a window's default) held the decision or a step. */
  Held: 'held',
  /** An irreversible migration (or the plan) rules out a destructive rollback: fix forward. */
  FixForward: 'fix-forward',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Each outcome in words, the same in Slack, the run's summary, the report and the CLI. */
export const OUTCOME_TEXT: Record<Outcome, string> = {
  [Outcome.RolledBack]: 'rolled back and verified',
  [Outcome.RollbackUnverified]: 'rolled back, but verification failed',
  [Outcome.RollbackFailed]: 'rollback failed',
  [Outcome.Rejected]: 'rollback rejected',
  [Outcome.Held]: 'held (no rollback beyond the hold)',
  [Outcome.FixForward]: 'no destructive rollback: fix forward',
};

export interface AlertNotification {
  status: 'firing' | 'resolved';
  receivedAt: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  value?: string;
  startsAt?: string;
  endsAt?: string;
  fingerprint?: string;
  /** Set when the plan's own watching fired it: what the evaluation saw. */
  evidence?: TriggerEvidence;
}

/** A watched trigger's evaluation when it fired: since, held for, worst and latest value, samples read. */
export type TriggerEvidence = TriggerEvaluation & {
  /** Samples the evaluation read (every series, every step of the hold window). */
  samples?: number;
  /** The watcher that saw it. */
  watchId: string;
};

/** Facts the decision tables read besides the trigger (see src/policy/context.ts). */
export type IncidentContext = Omit<DecisionContext, 'trigger'>;

export interface IncidentInput {
  incidentId: string;
  /** A snapshot of the plan: a run keeps the rules it started with. */
  plan: Plan;
  service: string;
  trigger: string;
  context?: IncidentContext;
  /** Where the run acts; defaults to the plan's `targets.environment`. */
  environment?: string;
  /** Set for a drill: the name of one of `plan.drills`. */
  drill?: string;
  alert: AlertNotification;
}

export interface DecisionSignal {
  /** Slack user id of the person deciding; checked against the plan's authority. */
  by: string;
  reason: string;
}

export type DecisionAction = 'rollback' | 'hold' | 'prepare' | 'monitor' | 'fix-forward';

export interface DecisionRecord {
  action: DecisionAction;
  /** A Slack user id, "plan" (the table decided) or "clock" (the window ran out). */
  by: string;
  reason: string;
  at: string;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

export interface PendingApproval {
  roles: string[];
  people: string[];
  deadline: string;
  default: 'rollback' | 'hold';
}

export interface CheckAttempt {
  attempt: number;
  ok: boolean;
  status?: number;
  error?: string;
  at: string;
}

export interface CheckResult {
  check: string;
  ok: boolean;
  /** Failed: the check said no. Error: we could not check. */
  verdict?: CheckVerdict;
  detail?: string;
  attempts: CheckAttempt[];
}

/** A message to Slack or PagerDuty. It goes out beside the run, so the run never waits for it. */
export interface NotificationRecord {
  /** What it is, e.g. "PagerDuty trigger", "Slack approval request". */
  what: string;
  /** A Slack channel, or "pagerduty". */
  to: string;
  /** pending: queued or still being retried; skipped: not configured on the worker (or nothing to update). */
  status: 'pending' | 'delivered' | 'skipped' | 'failed';
  queuedAt: string;
  settledAt?: string;
  /** Why it failed or was skipped. */
  detail?: string;
}

export interface IncidentStatus {
  incidentId: string;
  /** The service desk that opened the run (one per plan, service and environment), when it came from an alert. */
  deskId?: string;
  /** Alert episodes (fingerprint + startsAt) this run absorbed, with how often each repeated. */
  alerts?: AbsorbedAlert[];
  plan: string;
  service: string;
  trigger: string;
  stage: Stage;
  decision?: DecisionRecord;
  pendingApproval?: PendingApproval;
  level?: number;
  checks: CheckResult[];
  outcome?: Outcome;
  notifications: NotificationRecord[];
  timeline: TimelineEntry[];
}

/** One timed stage of the run, in workflow time. */
export interface StageRecord {
  stage: Stage;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
}

/** A step as it ran: what the adapter or command did, and where in the run. */
export interface StepRecord extends ActionRecord {
  level: number;
  levelId: string;
  service?: string;
  type: string;
  name?: string;
  startedAt: string;
  endedAt: string;
}

export interface PeopleEscalation {
  at: string;
  after: string;
  roles: string[];
  people: string[];
}

/** Everything a report is written from. */
export interface IncidentRecord extends IncidentStatus {
  environment: string;
  drill?: { name: string; mode: 'live' | 'dry-run' };
  stages: StageRecord[];
  /** Milestone → time reached (ISO); the scorecard is computed from these. */
  milestones: Partial<Record<Milestone, string>>;
  decisions: DecisionRecord[];
  escalations: PeopleEscalation[];
  steps: StepRecord[];
  snapshots: { before?: Snapshot; after?: Snapshot };
  /** The tags the plan's last-known-good patterns resolved to in this run. */
  lastKnownGood?: ResolvedLastKnownGood[];
  scorecard: RunScore;
  followUps: string[];
}

export interface AbsorbedAlert {
  fingerprint: string;
  startsAt?: string;
  alertname?: string;
  repeats: number;
  /** When a notification of it last arrived (from the service desk). */
  lastSeen?: string;
  resolved: boolean;
  /** What the plan's own watching saw, when it fired the alert. */
  evidence?: TriggerEvidence;
}

export type IncidentResult = IncidentStatus & { outcome: Outcome; summary: string };

/** The workflow's type name and signature, for clients that must not import workflow code. */
export const ROLLBACK_WORKFLOW = 'rollbackWorkflow';
export type RollbackWorkflow = (input: IncidentInput) => Promise<IncidentResult>;

/**
 * The service desk: one long-lived workflow per plan, service and environment that takes
 * every alert for them (signal-with-start), remembers alert episodes and runs each rollback
 * as a child. Its id is derived from those three names, so any number of API replicas
 * receiving any number of simultaneous alerts reach the same desk, and the desk opens at
 * most one run at a time.
 */
export const SERVICE_DESK_WORKFLOW = 'serviceDeskWorkflow';

export function deskIdFor(plan: string, service: string, environment: string): string {
  // Plan and service names are slugs (no ":"), so the id parses back unambiguously.
  return `rollback:${plan}:${service}:${environment}`;
}

/** The desk a desk id or one of its run ids (`<desk id>:<n>`) belongs to; undefined for other ids. */
export function parseDeskId(id: string): { deskId: string; run?: number } | undefined {
  const match = /^(rollback:[a-z0-9][a-z0-9._-]*:[a-z0-9][a-z0-9._-]*:[^:]+)(?::(\d+))?$/.exec(id);
  if (!match) return undefined;
  return { deskId: match[1], ...(match[2] === undefined ? {} : { run: Number(match[2]) }) };
}

export interface DeskInput {
  deskId: string;
  plan: string;
  service: string;
  environment: string;
  /** What an earlier run of the desk remembered (continue-as-new). */
  memory?: DeskMemory;
}

export interface DeskRun {
  incidentId: string;
  trigger: string;
  openedAt: string;
  closedAt?: string;
  outcome?: string;
}

export interface DeskMemory {
  /** Runs opened so far; the next run is `<desk id>:<opened + 1>`. */
  opened: number;
  episodes: Episode[];
  runs: DeskRun[];
}

/** One alert for the desk, routed by the API or the CLI: everything a run needs to start. */
export interface AlertDelivery {
  plan: Plan;
  service: string;
  trigger: string;
  context?: IncidentContext;
  environment: string;
  alert: AlertNotification;
}

export interface DeskView extends DeskMemory {
  deskId: string;
  plan: string;
  service: string;
  environment: string;
  /** The open run, if any. */
  open?: string;
  /** Notifications received, repeats included. */
  received: number;
  /** Notifications received but not yet taken. */
  inbox: number;
  timeline: TimelineEntry[];
}

export type Verdict = 'approve' | 'reject';

export interface DecisionRequest extends DecisionSignal {
  verdict: Verdict;
}

export type Refusal = 'not-an-approver' | 'nothing-pending' | 'already-decided';

export interface DecisionReply {
  accepted: boolean;
  refusal?: Refusal;
  reason?: string;
}

export const approveSignal = defineSignal<[DecisionSignal]>('approve');
export const rejectSignal = defineSignal<[DecisionSignal]>('reject');
export const alertSignal = defineSignal<[AlertNotification]>('alert');
/** To the service desk: an alert for its plan and service. */
export const deliverAlertSignal = defineSignal<[AlertDelivery]>('deliverAlert');
export const deskQuery = defineQuery<DeskView>('desk');
/** Like the signals, but the caller hears at once whether the decision counted. */
export const decideUpdate = defineUpdate<DecisionReply, [DecisionRequest]>('decide');
export const statusQuery = defineQuery<IncidentStatus>('status');
/** The whole incident record (timeline, steps, snapshots, scorecard) for reports. */
export const recordQuery = defineQuery<IncidentRecord>('record');

// Registered on the dev server by scripts/temporal.sh (keep the two lists in step).
export const SearchAttributes = {
  plan: defineSearchAttributeKey('RollbackPlan', SearchAttributeType.KEYWORD),
  service: defineSearchAttributeKey('RollbackService', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('RollbackStage', SearchAttributeType.KEYWORD),
  level: defineSearchAttributeKey('RollbackLevel', SearchAttributeType.INT),
  outcome: defineSearchAttributeKey('RollbackOutcome', SearchAttributeType.KEYWORD),
  /** Set (to the drill's name) only on drills, so freeze checks and alert routing skip them. */
  drill: defineSearchAttributeKey('RollbackDrill', SearchAttributeType.KEYWORD),
} as const;

/**
 * The watcher: one long-lived workflow per plan, service and environment that evaluates the
 * plan's metric and health triggers every `watch.interval` and starts or joins the incident
 * (through the service desk, like an alert) when one fires. Its id is derived from those
 * names, so there is never more than one watcher for them, whoever starts it.
 */
export const WATCH_WORKFLOW = 'watchWorkflow';

export function watchIdFor(plan: string, service: string, environment: string): string {
  return `watch:${plan}:${service}:${environment}`;
}

export interface WatchInput {
  watchId: string;
  plan: Plan;
  service: string;
  environment: string;
  /** What an earlier run of the watcher remembered (continue-as-new). */
  memory?: WatchMemory;
}

/** One watched trigger as the watcher last saw it. */
export interface WatchedTrigger {
  trigger: string;
  kind: 'metric' | 'health';
  /** Last evaluation time (ISO). */
  evaluatedAt?: string;
  /** Latest value in base units (metric triggers). */
  value?: number;
  /** How long the condition has held so far, ms (0 or absent when it does not hold). */
  heldFor?: number;
  /** When the condition started to hold (ISO). */
  since?: string;
  fired: boolean;
  reason?: string;
  /** The last reading could not be made (metrics unreadable, check could not run). */
  error?: string;
  /** The breach the watcher reported and has not seen clear yet. */
  episode?: WatchEpisode;
  /** Incidents this trigger started or joined, latest last. */
  incidents: string[];
  /** Health triggers: the recent check results the evaluation counts. */
  results?: CheckSample[];
}

export interface WatchMemory {
  ticks: number;
  triggers: WatchedTrigger[];
  /** Readings that could not be made: how many, since when in a row, and whether people were paged. */
  errors: { count: number; since?: string; last?: string; pagedAt?: string };
  timeline: TimelineEntry[];
}

export interface WatchView extends WatchMemory {
  watchId: string;
  plan: string;
  service: string;
  environment: string;
  interval: string;
  errorAfter: string;
  stopping: boolean;
}

/** To the watcher: the plan it watches from now on (`rollback watch start` with an edited plan). */
export const watchPlanSignal = defineSignal<[Plan]>('watchPlan');
/** To the watcher: stop watching (it ends after the tick under way). */
export const stopWatchSignal = defineSignal<[{ reason: string }]>('stopWatch');
export const watchQuery = defineQuery<WatchView>('watch');
