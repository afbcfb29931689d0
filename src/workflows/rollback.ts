// The rollback lifecycle: detect → decide → announce → drain → roll back → verify →
// validate SLOs → monitor → report, each stage timed against the plan. Everything it
// waits for, retries, targets or escalates to comes from the plan snapshot in the input
// and the pure policy functions; no runbook number lives here. The stages' work is in
// decide.ts, rollBackAndVerify.ts and monitorAndEscalate.ts; this file reads top to bottom.
import { allHandlersFinished, condition, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Level } from '../plan/schema';
import type { DecisionContext } from '../policy/context';
import { holdEnding } from '../policy/deciders';
import { escalationGoesOn } from '../policy/escalation';
import { findLevel, nextLevel } from '../policy/levels';
import { workflowNow } from './clock';
import { decide } from './decide';
import { preflightDrill } from './drill';
import { IncidentState } from './incidentState';
import { ONE_UPSERT_PER_TASK } from './interceptors';
import {
  alertSignal,
  approveSignal,
  type DecisionRecord,
  type DecisionRequest,
  decideUpdate,
  type IncidentInput,
  type IncidentResult,
  Outcome,
  OUTCOME_TEXT,
  recordQuery,
  rejectSignal,
  SearchAttributes,
  Stage,
  statusQuery,
} from './messages';
import { reach } from './milestones';
import { endEscalation, escalatePeople, monitorAfterRollback } from './monitorAndEscalate';
import { chooseNotifierMode, page, settleNotifications, tellChannel, whenDelivered } from './notify';
import { firstLevel, rollBackAndVerify } from './rollBackAndVerify';
import { enterStage } from './stages';

function closingOutcome(decision: DecisionRecord): Outcome {
  if (decision.action === 'fix-forward') return Outcome.FixForward;
  return decision.action === 'hold' ? holdEnding(decision.by) : Outcome.Held;
}

/** Queries, approvals, decisions and new alerts, answered from the incident state. */
function answerMessages(state: IncidentState): void {
  setHandler(statusQuery, () => state.status());
  setHandler(recordQuery, () => state.fullRecord());
  setHandler(approveSignal, (signal) => void state.receiveVerdict('approve', signal));
  setHandler(rejectSignal, (signal) => void state.receiveVerdict('reject', signal));
  setHandler(decideUpdate, (request) => state.receiveVerdict(request.verdict, request), {
    validator: (request: DecisionRequest | undefined) => {
      // Malformed requests never reach history; authority is judged (and recorded) by the handler.
      if (!request?.by || (request.verdict !== 'approve' && request.verdict !== 'reject')) {
        throw new Error('a decision needs a verdict (approve or reject) and who decides');
      }
    },
  });
  setHandler(alertSignal, (alert) => state.recordAlert(alert));
}

export async function rollbackWorkflow(input: IncidentInput): Promise<IncidentResult> {
  const { plan } = input;
  const state = new IncidentState(input, workflowNow);
  chooseNotifierMode(state);
  answerMessages(state);

  patched(ONE_UPSERT_PER_TASK); // from here on, one search-attribute write per workflow task (interceptors.ts)
  upsertSearchAttributes([
    { key: SearchAttributes.plan, value: plan.name },
    { key: SearchAttributes.service, value: input.service },
  ]);
  enterStage(state, Stage.Detect, `${input.trigger} on ${input.service} in ${state.environment}${input.drill ? ` (drill ${input.drill})` : ''}`);
  state.record('detected', `${input.trigger} on ${input.service}${input.alert.value ? ` (value ${input.alert.value})` : ''}`);
  await reach(state, 'detected');
  // Drills recorded before the preflight went live with whatever was missing.
  if (input.drill && !state.dryRun && patched('drill-preflight')) await preflightDrill(state);
  await page(state, 'trigger', `${input.trigger} on ${input.service}: rollback plan ${plan.name} started`);
  const escalation = escalatePeople(state);

  let context: DecisionContext = { ...input.context, trigger: input.trigger };
  let outcome: Outcome;
  let startAt: Level | undefined;
  for (;;) {
    const decided = await decide(state, context);
    if (decided.decision.action === 'rollback') state.levelInHand = { level: firstLevel(state, decided, startAt) };
    await reach(state, 'decided');
    if (!escalationGoesOn(plan, 'rolling-back')) endEscalation(state, escalation, 'decided');
    if (decided.decision.action !== 'rollback') {
      outcome = closingOutcome(decided.decision);
      break;
    }
    outcome = await rollBackAndVerify(state, context, decided, startAt);
    if (!escalationGoesOn(plan, 'monitoring')) endEscalation(state, escalation, 'rollback ended');
    if (outcome !== Outcome.RolledBack) break;
    const reopened = await monitorAfterRollback(state, context);
    if (!reopened) break;
    // Re-opened after a rollback that verified: the next decision starts one level deeper.
    const deeper = state.level === undefined ? undefined : nextLevel(plan, findLevel(plan, state.level)!, {});
    startAt = deeper && 'level' in deeper ? deeper.level : undefined;
    // With nothing deeper, starting again from the first level would roll back in a circle: people must look.
    if (!startAt && patched('reopened-without-deeper-level-stops')) {
      state.record(
        'no deeper level',
        `monitoring re-opened the incident after level ${state.level}: ${deeper && 'reason' in deeper ? deeper.reason : 'nothing deeper'}`,
      );
      outcome = Outcome.RollbackUnverified;
      break;
    }
    context = reopened;
  }
  escalation.cancel();

  state.outcome = outcome;
  upsertSearchAttributes([{ key: SearchAttributes.outcome, value: outcome }]);
  enterStage(state, Stage.Report, OUTCOME_TEXT[outcome]);
  for (const followUp of plan.report?.followUps ?? []) state.followUps.push(followUp);
  const hold = state.stepHold;
  const summary = `${plan.name}/${input.service}: ${OUTCOME_TEXT[outcome]} (${hold ? `step ${hold.step} held by ${hold.by}` : `decision ${state.decision?.action} by ${state.decision?.by}`})`;
  if (!plan.notifications.announce.some((a) => a.at === 'validated' || a.at === 'reported')) {
    await whenDelivered(state, [await tellChannel(state, 'Slack outcome', summary)], () => reach(state, 'notified'));
  }
  // Resolve only when nothing is left for a person to do; otherwise the page stays open.
  if (outcome === Outcome.RolledBack || outcome === Outcome.Rejected) await page(state, 'resolve', summary);
  await reach(state, 'reported');
  enterStage(state, Stage.Done, OUTCOME_TEXT[outcome]);
  await settleNotifications(state);
  state.finish();
  await condition(allHandlersFinished);
  return { ...state.status(), outcome, summary };
}
