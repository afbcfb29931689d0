// The run's long-lived state in one place: what the status query shows, what the
// result reports. Deterministic: timestamps come from the workflow clock passed in.
import type { ApprovalRequest } from '../adapters/slack';
import type {
  AlertNotification,
  DecisionReply,
  Refusal,
  Verdict,
  CheckResult,
  DecisionRecord,
  DecisionSignal,
  IncidentInput,
  IncidentStatus,
  Outcome,
  PendingApproval,
  Stage,
  TimelineEntry,
} from './messages';

export class IncidentState {
  stage: Stage = 'detect';
  decision?: DecisionRecord;
  pendingApproval?: PendingApproval;
  level?: number;
  outcome?: Outcome;
  /** The Slack message with the buttons, so the decision can replace them. */
  approvalMessage?: { channel: string; ts: string; request: ApprovalRequest };
  readonly checks: CheckResult[] = [];
  readonly timeline: TimelineEntry[] = [];

  constructor(
    private readonly input: IncidentInput,
    private readonly now: () => string,
  ) {}

  record(event: string, detail?: string): void {
    this.timeline.push({ at: this.now(), event, ...(detail === undefined ? {} : { detail }) });
  }

  decide(action: DecisionRecord['action'], by: string, reason: string): DecisionRecord {
    this.decision = { action, by, reason, at: this.now() };
    this.pendingApproval = undefined;
    this.record(`decision: ${action}`, `by ${by}: ${reason}`);
    return this.decision;
  }

  /**
   * A person's approve/reject. Only counts while an approval is pending and only from
   * someone the plan's authority names; anything else is recorded as refused.
   */
  receiveVerdict(verdict: Verdict, signal: DecisionSignal): DecisionReply {
    const pending = this.pendingApproval;
    const refuse = (refusal: Refusal, reason: string): DecisionReply => {
      this.record(`${verdict} refused`, `${signal.by}: ${reason}`);
      return { accepted: false, refusal, reason };
    };
    if (this.decision) return refuse('already-decided', `already decided: ${this.decision.action} by ${this.decision.by}`);
    if (!pending) return refuse('nothing-pending', 'no decision is pending');
    if (!pending.people.includes(signal.by)) return refuse('not-an-approver', `not an approver (roles: ${pending.roles.join(', ')})`);
    this.decide(verdict === 'approve' ? 'rollback' : 'hold', signal.by, signal.reason || `${verdict}d without a reason`);
    return { accepted: true };
  }

  recordAlert(alert: AlertNotification): void {
    this.record(
      alert.status === 'resolved' ? 'alert resolved' : 'alert repeated',
      [alert.labels.alertname, alert.value && `value ${alert.value}`, alert.fingerprint && `fingerprint ${alert.fingerprint}`]
        .filter(Boolean)
        .join(', '),
    );
  }

  status(): IncidentStatus {
    return {
      incidentId: this.input.incidentId,
      plan: this.input.plan.name,
      service: this.input.service,
      trigger: this.input.trigger,
      stage: this.stage,
      ...(this.decision ? { decision: this.decision } : {}),
      ...(this.pendingApproval ? { pendingApproval: this.pendingApproval } : {}),
      ...(this.level === undefined ? {} : { level: this.level }),
      ...(this.outcome ? { outcome: this.outcome } : {}),
      checks: this.checks,
      timeline: this.timeline,
    };
  }
}
