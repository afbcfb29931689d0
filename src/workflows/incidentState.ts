// The run's long-lived state in one place: what the status and record queries show and
// what the result reports. Deterministic: timestamps come from the workflow clock.
import type { ResolvedLastKnownGood } from '../activities/preRollback';
import type { Level, Milestone } from '../plan/schema';
import type { Unreachable } from '../policy/preflight';
import { type Milestones, runKind, scoreRun } from '../policy/timing';
import {
  type AbsorbedAlert,
  type AlertNotification,
  type CheckResult,
  type DecisionRecord,
  type DecisionReply,
  type DecisionSignal,
  type IncidentInput,
  type IncidentRecord,
  type IncidentStatus,
  type NotificationRecord,
  type Outcome,
  type PeopleEscalation,
  type PendingApproval,
  type Refusal,
  type Snapshot,
  type Stage,
  type StageRecord,
  type StepRecord,
  type TimelineEntry,
  type Verdict,
  parseDeskId,
} from './messages';

/** A question put to people: the run's decision, or one step's extra approval. */
export interface OpenQuestion extends PendingApproval {
  /** What is being asked, for refusals and the timeline. */
  subject: string;
  quorum: 'any' | 'all';
  votes: { person: string; choice: 'rollback' | 'hold'; reason: string }[];
}

export class IncidentState {
  stage: Stage = 'detect';
  decision?: DecisionRecord;
  question?: OpenQuestion;
  /** A step approval that held: the rollback stopped at that step and the run ends held (or rejected). */
  stepHold?: DecisionRecord & { step: string };
  level?: number;
  /** The level running (since `startedAt`), or decided on and about to run: what `{{level}}`, `{{eta}}` and `{{timeframe}}` tell. */
  levelInHand?: { level: Level; startedAt?: string };
  outcome?: Outcome;
  /** Levels run so far (a level may run again after monitoring re-opens the incident). */
  levelRuns = 0;
  /** Runs started since the notifier patch send notifications beside the run (see notify.ts). */
  notifiersBeside = false;
  /** Runs started since the `notifier-role` patch notify through one activity, whatever the vendor (see notify.ts). */
  notifierRole = false;
  /** Every notification and how it went, for status and report. */
  readonly notifications: NotificationRecord[] = [];
  /** The last notification per destination: messages to one place go out in order. */
  readonly lanes = new Map<string, Promise<unknown>>();
  /** Notification work not yet settled, follow-ups chained on a delivery included. */
  private inFlight = 0;
  /** Alerts received while the run watches (prepare, monitor, monitoring after rollback). */
  readonly newAlerts: AlertNotification[] = [];
  /** Alert episodes (fingerprint + startsAt) the run absorbed; a repeat of one is counted, not news. */
  readonly alerts: AbsorbedAlert[] = [];
  readonly checks: CheckResult[] = [];
  readonly timeline: TimelineEntry[] = [];
  readonly stages: StageRecord[] = [];
  readonly milestones: Partial<Record<Milestone, string>> = {};
  readonly decisions: DecisionRecord[] = [];
  readonly escalations: PeopleEscalation[] = [];
  readonly steps: StepRecord[] = [];
  readonly snapshots: { before?: Snapshot; after?: Snapshot } = {};
  readonly followUps: string[] = [];
  /** The tags the plan's last-known-good patterns named when first needed (see lastKnownGood.ts). */
  lastKnownGood?: ResolvedLastKnownGood[];
  /** Keys of the PagerDuty alerts `notify.pagerduty` steps opened beside the run's own (see notify.ts pageAlert). */
  readonly stepAlerts: string[] = [];

  constructor(
    readonly input: IncidentInput,
    private readonly now: () => string,
  ) {
    this.absorb(input.alert);
  }

  private absorb(alert: AlertNotification): void {
    if (alert.fingerprint === undefined) return;
    this.alerts.push({
      fingerprint: alert.fingerprint,
      ...(alert.startsAt ? { startsAt: alert.startsAt } : {}),
      ...(alert.labels.alertname ? { alertname: alert.labels.alertname } : {}),
      repeats: 0,
      resolved: alert.status === 'resolved',
      ...(alert.evidence ? { evidence: alert.evidence } : {}),
    });
  }

  get environment(): string {
    return this.input.environment ?? this.input.plan.targets.environment;
  }

  /** In a live drill, what the worker could not reach before it started (drill.ts); those parts run in dry-run. */
  unreachable?: Unreachable;

  /** A drill in dry-run mode: adapters only record what they would do. */
  get dryRun(): boolean {
    const { drill, plan } = this.input;
    return drill !== undefined && plan.drills?.find((d) => d.name === drill)?.mode === 'dry-run';
  }

  record(event: string, detail?: string): void {
    this.timeline.push({ at: this.now(), event, ...(detail === undefined ? {} : { detail }) });
  }

  enterStage(stage: Stage): void {
    const at = this.now();
    this.closeStage(at);
    this.stage = stage;
    this.stages.push({ stage, startedAt: at });
  }

  private closeStage(at: string): void {
    const open = this.stages[this.stages.length - 1];
    if (open && open.endedAt === undefined) {
      open.endedAt = at;
      open.durationMs = Date.parse(at) - Date.parse(open.startedAt);
    }
  }

  finish(): void {
    this.closeStage(this.now());
  }

  /** First time only: a milestone marks when the run first got there. */
  reach(milestone: Milestone): void {
    this.milestones[milestone] ??= this.now();
  }

  decide(action: DecisionRecord['action'], by: string, reason: string): DecisionRecord {
    const decision = { action, by, reason, at: this.now() };
    this.decision = decision;
    this.decisions.push(decision);
    this.question = undefined;
    this.record(`decision: ${action}`, `by ${by}: ${reason}`);
    return decision;
  }

  /**
   * A person's approve/reject. Counts only while a question is open and only from someone
   * it names; anything else is refused and recorded. With quorum "all" the question stays
   * open until every role has said rollback, or anyone says hold.
   */
  receiveVerdict(verdict: Verdict, signal: DecisionSignal): DecisionReply {
    const question = this.question;
    const refuse = (refusal: Refusal, reason: string): DecisionReply => {
      this.record(`${verdict} refused`, `${signal.by}: ${reason}`);
      return { accepted: false, refusal, reason };
    };
    if (!question) {
      return this.decision
        ? refuse('already-decided', `already decided: ${this.decision.action} by ${this.decision.by}`)
        : refuse('nothing-pending', 'no decision is pending');
    }
    if (!question.people.includes(signal.by)) {
      return refuse('not-an-approver', `not an approver of ${question.subject} (roles: ${question.roles.join(', ')})`);
    }
    const choice = verdict === 'approve' ? 'rollback' : 'hold';
    question.votes.push({ person: signal.by, choice, reason: signal.reason });
    this.record(`${verdict} by ${signal.by}`, signal.reason);
    return { accepted: true };
  }

  queueNotification(what: string, to: string): NotificationRecord {
    const entry: NotificationRecord = { what, to, status: 'pending', queuedAt: this.now() };
    this.notifications.push(entry);
    return entry;
  }

  settleNotification(entry: NotificationRecord, status: 'delivered' | 'skipped' | 'failed', detail?: string): void {
    entry.status = status;
    entry.settledAt = this.now();
    if (detail !== undefined) entry.detail = detail;
    this.record(`${entry.what} ${status === 'delivered' ? 'sent' : status}`, detail);
  }

  /** Counts `work` as in flight until it settles; `work` must not reject. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    return work.finally(() => {
      this.inFlight--;
    });
  }

  get notificationsSettled(): boolean {
    return this.inFlight === 0;
  }

  /**
   * An alert for the run's plan and service. A repeat of an episode the run absorbed (same
   * fingerprint and startsAt, still firing) is counted and nothing else: it never re-opens,
   * escalates or re-decides. Anything else is news the run's stages may act on.
   */
  recordAlert(alert: AlertNotification): void {
    const known = alert.fingerprint === undefined ? undefined : this.alerts.find((a) => a.fingerprint === alert.fingerprint && a.startsAt === alert.startsAt);
    const what = [alert.labels.alertname, alert.value && `value ${alert.value}`, alert.fingerprint && `fingerprint ${alert.fingerprint}`]
      .filter(Boolean)
      .join(', ');
    if (known && alert.status === 'firing' && !known.resolved) {
      known.repeats++;
      this.record('alert repeated (same episode)', what);
      return;
    }
    if (known && alert.status === 'resolved') known.resolved = true;
    else if (alert.status === 'firing') this.absorb(alert);
    this.newAlerts.push(alert);
    this.record(alert.status === 'resolved' ? 'alert resolved' : 'new alert', what);
  }

  status(): IncidentStatus {
    const { incidentId, plan, service, trigger } = this.input;
    const question = this.question;
    const desk = parseDeskId(incidentId);
    return {
      incidentId,
      ...(desk?.run === undefined ? {} : { deskId: desk.deskId }),
      ...(this.alerts.length ? { alerts: this.alerts } : {}),
      plan: plan.name,
      service,
      trigger,
      stage: this.stage,
      ...(this.decision ? { decision: this.decision } : {}),
      ...(question ? { pendingApproval: { roles: question.roles, people: question.people, deadline: question.deadline, default: question.default } } : {}),
      ...(this.level === undefined ? {} : { level: this.level }),
      ...(this.outcome ? { outcome: this.outcome } : {}),
      checks: this.checks,
      notifications: this.notifications,
      timeline: this.timeline,
    };
  }

  marks(): Milestones {
    return Object.fromEntries(Object.entries(this.milestones).map(([m, at]) => [m, Date.parse(at)]));
  }

  fullRecord(): IncidentRecord {
    const drill = this.input.drill ? this.input.plan.drills?.find((d) => d.name === this.input.drill) : undefined;
    return {
      ...this.status(),
      environment: this.environment,
      ...(drill ? { drill: { name: drill.name, mode: drill.mode } } : {}),
      stages: this.stages,
      milestones: this.milestones,
      decisions: this.decisions,
      escalations: this.escalations,
      steps: this.steps,
      snapshots: this.snapshots,
      ...(this.lastKnownGood ? { lastKnownGood: this.lastKnownGood } : {}),
      scorecard: scoreRun(this.input.plan, this.marks(), runKind(this.decision?.by, this.input.trigger, this.input.context?.phase)),
      followUps: this.followUps,
    };
  }
}
