// The rollback lifecycle: detect → decide → roll back → verify → report. Everything it
// waits for, retries or targets comes from the plan snapshot in the input.
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities, Delivery } from '../activities';
import type { ApprovalDecision, ApprovalRequest } from '../adapters/slack';
import { NON_RETRYABLE_TYPES } from '../activities/failures';
import { parseDuration } from '../plan/duration';
import type { HttpCheck, Level, Outcome as PlanOutcome, Step } from '../plan/schema';
import { peopleInRoles } from '../policy/approvers';
import { decide } from '../policy/decide';
import { workflowNow } from './clock';
import { IncidentState } from './incidentState';
import {
  alertSignal,
  approveSignal,
  type CheckResult,
  decideUpdate,
  type DecisionRecord,
  type IncidentInput,
  type IncidentResult,
  Outcome,
  rejectSignal,
  SearchAttributes,
  Stage,
  statusQuery,
} from './messages';

const nonRetryableErrorTypes = [...NON_RETRYABLE_TYPES];

// Notifications: keep trying for a while (rate limits, outages), never forever.
const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8, nonRetryableErrorTypes },
});

// Actions on the service: idempotent, retried a few times.
const actions = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes },
});

// Checks: one attempt per activity; the plan's attempts and delay are the workflow's loop.
const checks = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 1 },
});

function enterStage(state: IncidentState, stage: Stage, detail?: string): void {
  state.stage = stage;
  state.record(`stage: ${stage}`, detail);
  upsertSearchAttributes([{ key: SearchAttributes.stage, value: stage }]);
  setCurrentDetails(`**Stage:** ${stage}${detail ? ` — ${detail}` : ''}`);
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return (err as Error).message;
}

/** Notifications never block a rollback: a failure is recorded and the run goes on. */
async function notify<T extends Delivery>(state: IncidentState, what: string, send: () => Promise<T>): Promise<T | undefined> {
  try {
    const delivery = await send();
    state.record(delivery.sent ? `${what} sent` : `${what} skipped`, delivery.reason);
    return delivery;
  } catch (err) {
    state.record(`${what} failed`, failureMessage(err));
    return undefined;
  }
}

async function decideRollback(input: IncidentInput, state: IncidentState, outcome: PlanOutcome): Promise<DecisionRecord> {
  const { plan } = input;
  if (outcome.action !== 'ask') {
    return state.decide(outcome.action, 'plan', `plan ${plan.name} says ${outcome.action} for ${input.trigger}`);
  }
  const windowMs = parseDuration(outcome.window);
  const people = peopleInRoles(plan, outcome.approvers);
  const deadline = workflowNow(windowMs);
  state.pendingApproval = { roles: outcome.approvers, people, deadline, default: outcome.default };
  state.record('approval requested', `${outcome.approvers.join(', ')} until ${deadline}; default ${outcome.default}`);

  const slack = plan.notifications.slack;
  if (slack) {
    const request: ApprovalRequest = {
      incidentId: input.incidentId,
      plan: plan.name,
      service: input.service,
      trigger: input.trigger,
      summary: input.alert.annotations?.summary ?? `${input.trigger} fired on ${input.service}`,
      approverIds: people,
      deadline,
      defaultAction: outcome.default,
    };
    const delivery = await notify(state, 'Slack approval request', () =>
      notifications.requestApproval.executeWithOptions({ summary: `Ask ${outcome.approvers.join(', ')} in ${slack.channel}` }, [
        { channel: slack.channel, request },
      ]),
    );
    if (delivery?.channel && delivery.ts) state.approvalMessage = { channel: delivery.channel, ts: delivery.ts, request };
  }

  const answered = await condition(() => state.decision !== undefined, windowMs, {
    summary: `Approval window ${outcome.window}, default ${outcome.default}`,
  });
  if (answered && state.decision) return state.decision;
  return state.decide(outcome.default, 'clock', `nobody decided within ${outcome.window}; plan default is ${outcome.default}`);
}

async function runStep(input: IncidentInput, state: IncidentState, step: Step): Promise<boolean> {
  try {
    switch (step.type) {
      case 'flag.disable': {
        const change = await actions.disableFlag.executeWithOptions({ summary: `Disable flag ${step.flag}` }, [
          { store: input.plan.adapters.flags, flag: step.flag, incidentId: input.incidentId },
        ]);
        state.record(`step ${step.type}`, change.changed ? `${step.flag} turned off` : `${step.flag} was already off`);
        return true;
      }
      default:
        state.record(`step ${step.type} failed`, `this worker cannot run ${step.type} steps`);
        return false;
    }
  } catch (err) {
    state.record(`step ${step.type} failed`, failureMessage(err));
    return false;
  }
}

async function runHttpCheck(state: IncidentState, name: string, check: HttpCheck): Promise<CheckResult> {
  const result: CheckResult = { check: name, ok: false, attempts: [] };
  state.checks.push(result);
  for (let attempt = 1; attempt <= check.attempts; attempt++) {
    const probe = await checks.httpCheck.executeWithOptions(
      { summary: `${name}: GET ${check.url} (attempt ${attempt}/${check.attempts})` },
      [{ url: check.url, expectStatus: check.expectStatus, timeoutMs: parseDuration(check.timeout) }],
    );
    result.attempts.push({
      attempt,
      ok: probe.ok,
      ...(probe.status === undefined ? {} : { status: probe.status }),
      ...(probe.error === undefined ? {} : { error: probe.error }),
      at: workflowNow(),
    });
    if (probe.ok) {
      result.ok = true;
      break;
    }
    if (attempt < check.attempts) await sleep(parseDuration(check.delay));
  }
  state.record(`check ${name} ${result.ok ? 'passed' : 'failed'}`, `${result.attempts.length} attempt(s)`);
  return result;
}

async function rollBack(input: IncidentInput, state: IncidentState, level: Level): Promise<Outcome> {
  state.level = level.level;
  upsertSearchAttributes([{ key: SearchAttributes.level, value: level.level }]);
  enterStage(state, Stage.RollBack, `level ${level.level} (${level.name})`);
  for (const step of level.steps) {
    if (!(await runStep(input, state, step))) return Outcome.RollbackFailed;
  }
  enterStage(state, Stage.Verify, level.checks.join(', ') || 'no checks in plan');
  let verified = true;
  for (const name of level.checks) {
    const check = input.plan.checks[name];
    if (check?.type !== 'http') {
      state.record(`check ${name} failed`, `this worker cannot run ${check?.type ?? 'unknown'} checks`);
      verified = false;
    } else if (!(await runHttpCheck(state, name, check)).ok) {
      verified = false;
    }
  }
  return verified ? Outcome.RolledBack : Outcome.RollbackUnverified;
}

function isPerson(by: string): boolean {
  return by !== 'plan' && by !== 'clock';
}

function approvalDecision(decision: DecisionRecord): ApprovalDecision {
  if (!isPerson(decision.by)) return { verdict: 'timed-out' };
  return { verdict: decision.action === 'rollback' ? 'approved' : 'rejected', userId: decision.by };
}

function outcomeOf(decision: DecisionRecord): Outcome {
  return decision.action === 'hold' && isPerson(decision.by) ? Outcome.Rejected : Outcome.Held;
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  [Outcome.RolledBack]: 'rolled back and verified',
  [Outcome.RollbackUnverified]: 'rolled back, but verification failed',
  [Outcome.RollbackFailed]: 'rollback step failed',
  [Outcome.Rejected]: 'rollback rejected',
  [Outcome.Held]: 'no rollback (held)',
};

export async function rollbackWorkflow(input: IncidentInput): Promise<IncidentResult> {
  const { plan } = input;
  const state = new IncidentState(input, workflowNow);
  setHandler(statusQuery, () => state.status());
  setHandler(approveSignal, (signal) => void state.receiveVerdict('approve', signal));
  setHandler(rejectSignal, (signal) => void state.receiveVerdict('reject', signal));
  setHandler(decideUpdate, (request) => state.receiveVerdict(request.verdict, request), {
    validator: (request) => {
      // Malformed requests never reach history; authority is judged (and recorded) by the handler.
      if (!request?.by || (request.verdict !== 'approve' && request.verdict !== 'reject')) {
        throw new Error('a decision needs a verdict (approve or reject) and who decides');
      }
    },
  });
  setHandler(alertSignal, (alert) => state.recordAlert(alert));

  upsertSearchAttributes([
    { key: SearchAttributes.plan, value: plan.name },
    { key: SearchAttributes.service, value: input.service },
  ]);
  enterStage(state, Stage.Detect);
  state.record('detected', `${input.trigger} on ${input.service}${input.alert.value ? ` (value ${input.alert.value})` : ''}`);

  const pagerduty = plan.notifications.pagerduty;
  const page = (action: 'trigger' | 'acknowledge' | 'resolve', summary: string) =>
    pagerduty &&
    notify(state, `PagerDuty ${action}`, () =>
      notifications.pagerdutyEvent.executeWithOptions({ summary: `PagerDuty ${action}` }, [
        { incidentId: input.incidentId, action, routingKeyEnv: pagerduty.routingKeyEnv, severity: pagerduty.severity, summary, source: `rollback-orchestrator/${plan.name}` },
      ]),
    );
  await page('trigger', `${input.trigger} on ${input.service}: rollback plan ${plan.name} started`);

  enterStage(state, Stage.Decide);
  const planned = decide(plan, { ...input.context, trigger: input.trigger });
  const decision = await decideRollback(input, state, planned);
  if (isPerson(decision.by)) await page('acknowledge', `${decision.by} decided ${decision.action}`);
  const approvalMessage = state.approvalMessage;
  if (approvalMessage) {
    await notify(state, 'Slack approval update', () =>
      notifications.showDecision.executeWithOptions({ summary: 'Show the decision on the approval request' }, [
        { ...approvalMessage, decision: approvalDecision(decision) },
      ]),
    );
  }

  let outcome: Outcome;
  if (decision.action === 'rollback') {
    const levelNumber = ('level' in planned && planned.level) || plan.levels[0]!.level;
    outcome = await rollBack(input, state, plan.levels.find((l) => l.level === levelNumber) ?? plan.levels[0]!);
  } else {
    outcome = outcomeOf(decision);
  }

  state.outcome = outcome;
  upsertSearchAttributes([{ key: SearchAttributes.outcome, value: outcome }]);
  enterStage(state, Stage.Report, OUTCOME_TEXT[outcome]);
  const summary = `${plan.name}/${input.service}: ${OUTCOME_TEXT[outcome]} (decision ${decision.action} by ${decision.by})`;
  const slack = plan.notifications.slack;
  if (slack) {
    await notify(state, 'Slack outcome', () =>
      notifications.postSlackMessage.executeWithOptions({ summary: `Post outcome to ${slack.channel}` }, [
        { channel: slack.channel, text: summary },
      ]),
    );
  }
  // Resolve only when nothing is left for a person to do; otherwise the page stays open.
  if (outcome === Outcome.RolledBack || outcome === Outcome.Rejected) await page('resolve', summary);

  enterStage(state, Stage.Done, OUTCOME_TEXT[outcome]);
  await condition(allHandlersFinished);
  return { ...state.status(), outcome, summary };
}
