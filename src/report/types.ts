// The incident report as data: what `GET /v1/incidents/:id/report` answers and what the
// Markdown is rendered from. Facts the engine knows are filled in; what only a person
// knows (root cause, users affected, revenue impact…) is marked `toFill`.
import type { Milestone, Plan, Service } from '../plan/schema';
import type { CheckResult, DecisionAction, NotificationRecord, Outcome, Stage } from '../workflows/messages';

export const REPORT_VERSION = 1;

/** A value the engine computed, or a blank a person fills in. */
export interface Fill {
  /** Human text ("12m 30s", "≈ 60 % of users"); absent when a person must fill it. */
  value?: string;
  /** Milliseconds, for durations the engine computed. */
  ms?: number;
  /** How the value was obtained, e.g. "detected → decided". */
  basis?: string;
  toFill: boolean;
}

export type ReportMetricId = NonNullable<Plan['report']>['metrics'][number];

export interface ReportMetric extends Fill {
  id: ReportMetricId;
  label: string;
}

export interface ReportTimeline {
  detection?: string;
  decision?: string;
  /** The rollback started (first of announce / drain / roll-back, else the first step). */
  started?: string;
  /** Rolled back and verified (validated ?? verified ?? rolled-back). */
  completed?: string;
  stabilized?: string;
}

export interface ReportDecision {
  at: string;
  action: DecisionAction;
  /** Slack user id, "plan" or "clock". */
  by: string;
  /** Who that is, in words: "U0GENTECHLD (Tech Lead)", "the plan's decision table", … */
  who: string;
  reason: string;
}

export interface ReportEscalation {
  at: string;
  after: string;
  roles: string[];
  people: string[];
}

export type ScoreStatus = 'met' | 'missed' | 'open';

export interface ReportScore {
  name: string;
  from: Milestone;
  to: Milestone;
  /** The runs the target is for, when not all (phase, who decided, trigger, mode). */
  appliesTo?: string;
  targetMs: number;
  target: string;
  actualMs?: number;
  actual?: string;
  status: ScoreStatus;
}

/** One recovery objective of a service against what the run measured. */
export interface ReportObjectiveScore {
  targetMs: number;
  target: string;
  actualMs?: number;
  actual?: string;
  status: ScoreStatus;
  /** How it was measured ("detected → validated", "backup of … restored at …"), or why it was not. */
  basis: string;
}

/** A service the run acted on, with the recovery objectives its plan entry gives (`targets.services[]`). */
export interface ReportObjective {
  service: string;
  priority?: NonNullable<Service['priority']>;
  /** Recovery time: detection until the service was restored (validated). */
  rto?: ReportObjectiveScore;
  /** Recovery point: the data the run gave up (a restore: what was written after its backup). */
  rpo?: ReportObjectiveScore;
}

export interface ReportStage {
  stage: Stage;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  duration?: string;
}

export interface ReportBackup {
  path: string;
  bytes: number;
  /** The size as people read it ("1.2 MiB"). */
  size: string;
  at: string;
  levelId: string;
}

export interface ReportStep {
  n: number;
  level: number;
  levelId: string;
  type: string;
  name?: string;
  service?: string;
  ok: boolean;
  summary: string;
  command?: string;
  exitCode?: number;
  output?: string;
  dryRun?: boolean;
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

export interface ReportSnapshot {
  at: string;
  commit?: { commit: string; subject: string };
  metrics: { query: string; value?: number; at: string }[];
  logs?: string;
}

/** A narrative section from `report.fields`; the engine fills some (summary, impact, resolution). */
export interface ReportSection {
  /** The field as the plan names it ("root cause", "corrective actions (owner, due date)"). */
  field: string;
  title: string;
  kind: 'summary' | 'timeline' | 'impact' | 'resolution' | 'person';
  /** What a person should write here, when the engine cannot. */
  hint?: string;
  /** Lines the engine filled in. */
  lines: string[];
  toFill: boolean;
}

export interface EvidenceItem {
  id: string;
  text: string;
  collect: string;
  done: boolean;
  /** The evidence itself, one line each; for manual items what a person must confirm. */
  evidence: string[];
}

export interface IncidentReport {
  version: typeof REPORT_VERSION;
  kind: 'incident' | 'drill';
  title: string;
  incidentId: string;
  plan: string;
  service: string;
  environment: string;
  trigger: string;
  severity: Fill;
  stage: Stage;
  outcome?: Outcome;
  drill?: { name: string; mode: 'live' | 'dry-run' };
  /** Rollback duration: the plan's SLA span when it has one, else decided → completed. */
  duration: Fill;
  summary: string;
  timeline: ReportTimeline;
  impact: { usersAffected: Fill; duration: Fill; dataLoss: Fill; revenueImpact: Fill };
  resolution: string[];
  sections: ReportSection[];
  metrics: ReportMetric[];
  decisions: ReportDecision[];
  escalations: ReportEscalation[];
  /** Levels in the order they ran (an escalation git → backup reads as two entries). */
  levels: { level: number; levelId: string; name?: string; ok: boolean }[];
  scorecard: { sla?: ReportScore; targets: ReportScore[]; met?: boolean };
  /** RTO and RPO of each service the run acted on that has them, target against measured. */
  objectives: ReportObjective[];
  stages: ReportStage[];
  steps: ReportStep[];
  /** Dumps `db.backup` steps took before destructive database steps: where, how big, when. */
  backups?: ReportBackup[];
  checks: CheckResult[];
  /** Slack and PagerDuty messages and how each went; failed and pending ones are what a reader needs. */
  notifications: NotificationRecord[];
  snapshots: { before?: ReportSnapshot; after?: ReportSnapshot };
  events: { at: string; event: string; detail?: string }[];
  followUps: { text: string; done: boolean }[];
  evidence?: EvidenceItem[];
  /** When the report is due (completion + `report.due`). */
  due?: string;
}
