// Deciding: the plan's decision table in the run's context, people with a deadline and a
// default when it asks, a hold limited in time, and a watch after prepare or monitor.
import { condition, patched } from '@temporalio/workflow';
import { parseDuration } from '../plan/duration';
import { parseQuantity } from '../plan/quantity';
import type { Outcome as PlanOutcome } from '../plan/schema';
import { peopleInRoles } from '../policy/approvers';
import { authorityFor } from '../policy/authority';
import type { DecisionContext } from '../policy/context';
import { findDecision, NoDecisionError } from '../policy/decide';
import { startLevel } from '../policy/levels';
import { workflowNow } from './clock';
import type { IncidentState } from './incidentState';
import { type AlertNotification, type DecisionRecord, Stage } from './messages';
import { ask } from './people';
import { enterStage } from './stages';
import { NO_WAVE_CHECKS, runSteps } from './steps';

/** The trigger a new alert stands for, and its value in base units when it has one. */
export function contextFromAlert(state: IncidentState, alert: AlertNotification, base: DecisionContext): DecisionContext {
  const trigger = state.input.plan.triggers.find((t) => Object.entries(t.match ?? { alertname: t.name }).every(([k, v]) => alert.labels[k] === v));
  let value = base.value;
  if (alert.value) {
    try {
      value = parseQuantity(alert.value).value;
    } catch {
      // A value the plan cannot read keeps the last known one.
    }
  }
  return { ...base, trigger: trigger?.name ?? base.trigger, ...(value === undefined ? {} : { value }) };
}

export interface Decided {
  decision: DecisionRecord;
  planOutcome?: PlanOutcome;
}

/**
 * After a prepare or monitor decision: watch for something worse. A person may raise it to a
 * rollback, a new firing alert is decided again; otherwise the watch ends quietly.
 */
async function watchForWorse(state: IncidentState, context: DecisionContext): Promise<DecisionContext | 'rollback' | undefined> {
  const { plan } = state.input;
  const monitoring = plan.monitoring;
  if (!monitoring) return undefined;
  const windowMs = monitoring.cycles * parseDuration(monitoring.interval);
  const seen = state.newAlerts.length;
  const authority = authorityFor(plan, context);
  const roles = authority && !authority.system ? authority.roles : [];
  if (roles.length > 0) {
    state.question = {
      subject: `raise ${context.trigger} to a rollback`,
      roles,
      people: peopleInRoles(plan, roles),
      deadline: workflowNow(windowMs),
      default: 'hold',
      quorum: authority!.quorum,
      votes: [],
    };
  }
  state.record('watching', `for ${monitoring.cycles} × ${monitoring.interval}${roles.length ? `; ${roles.join(', ')} may raise it to a rollback` : ''}`);
  await condition(() => state.newAlerts.length > seen || (state.question?.votes.length ?? 0) > 0, windowMs);
  const votes = state.question?.votes ?? [];
  state.question = undefined;
  const raised = votes.find((v) => v.choice === 'rollback');
  if (raised) {
    state.decide('rollback', raised.person, raised.reason);
    return 'rollback';
  }
  const alert = state.newAlerts[seen];
  if (alert?.status === 'firing') return contextFromAlert(state, alert, context);
  state.record('watch ended', alert ? 'the alert resolved' : 'nothing got worse');
  return undefined;
}

/** The decide stage: the plan's decision table, people when it asks, until a decision stands. */
export async function decide(state: IncidentState, initial: DecisionContext): Promise<Decided> {
  const { plan } = state.input;
  enterStage(state, Stage.Decide, initial.trigger);
  let context = initial;
  for (;;) {
    let found;
    try {
      found = findDecision(plan, context);
    } catch (err) {
      if (!(err instanceof NoDecisionError)) throw err;
      return { decision: state.decide('hold', 'plan', err.message) };
    }
    const outcome = found.outcome;
    state.record('decision table', `${found.table.name} rule ${found.rule + 1}: ${outcome.action}${outcome.note ? ` (${outcome.note})` : ''}`);
    switch (outcome.action) {
      case 'rollback':
        return {
          decision: state.decide('rollback', 'plan', `${plan.name} rolls back ${context.trigger} without asking (${found.table.name})`),
          planOutcome: outcome,
        };
      case 'ask': {
        // Runs recorded before an ask named its own approvers asked whole matching rules.
        const authority = patched('ask-names-its-approvers')
          ? authorityFor(plan, context, outcome)!
          : (authorityFor(plan, context) ?? authorityFor(plan, context, outcome)!);
        const answer = await ask(state, {
          subject: `rollback for ${context.trigger}`,
          roles: authority.roles,
          quorum: authority.quorum,
          window: outcome.window,
          default: outcome.default,
          summary: state.input.alert.annotations?.summary ?? `${context.trigger} fired on ${state.input.service}`,
        });
        const decision = state.decide(answer.choice, answer.by, answer.reason);
        if (answer.choice === 'hold' && outcome.holdLimit) return holdUntilLimit(state, outcome, decision);
        return { decision, planOutcome: outcome };
      }
      case 'prepare':
      case 'monitor': {
        state.decide(outcome.action, 'plan', `${plan.name}: ${outcome.action} for ${context.trigger}`);
        if (outcome.steps?.length)
          await runSteps(state, startLevel(plan, outcome), outcome.steps, `${outcome.action}-${state.decisions.length}`, NO_WAVE_CHECKS);
        const next = await watchForWorse(state, context);
        if (next === 'rollback') return { decision: state.decision!, planOutcome: { action: 'rollback' } };
        if (!next) return { decision: state.decision! };
        context = next;
        state.record('re-deciding', `${context.trigger}${context.value === undefined ? '' : ` at ${context.value}`}`);
        continue;
      }
      case 'fix-forward':
        state.followUps.push(`Fix forward ${context.trigger} on ${state.input.service}`);
        return { decision: state.decide('fix-forward', 'plan', outcome.note ?? `${plan.name} fixes ${context.trigger} forward`) };
    }
  }
}

/** A hold lasts at most `holdLimit` from detection; unresolved by then, the rollback goes ahead. */
async function holdUntilLimit(state: IncidentState, outcome: Extract<PlanOutcome, { action: 'ask' }>, decision: DecisionRecord): Promise<Decided> {
  const limitMs = parseDuration(outcome.holdLimit!);
  const elapsed = Date.parse(workflowNow()) - Date.parse(state.milestones.detected!);
  const seen = state.newAlerts.length;
  state.record('holding', `until ${outcome.holdLimit} after detection unless the alert resolves`);
  const resolved = await condition(() => state.newAlerts.slice(seen).some((a) => a.status === 'resolved'), Math.max(0, limitMs - elapsed));
  if (resolved) return { decision };
  return { decision: state.decide('rollback', 'clock', `not resolved within ${outcome.holdLimit} of detection`), planOutcome: outcome };
}
