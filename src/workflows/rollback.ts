// The rollback lifecycle: detect → decide → announce → drain → roll back → verify →
// validate SLOs → monitor → report, each stage timed against the plan. Everything it
// waits for, retries, targets or escalates to comes from the plan snapshot in the input
// and the pure policy functions; no runbook number lives here.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { formatDuration, parseDuration } from '../plan/duration';
import { parseQuantity } from '../plan/quantity';
import type { Level, Outcome as PlanOutcome } from '../plan/schema';
import { peopleInRoles } from '../policy/approvers';
import { authorityFor } from '../policy/authority';
import type { DecisionContext } from '../policy/context';
import { isPerson } from '../policy/deciders';
import { findDecision, NoDecisionError } from '../policy/decide';
import { escalationSchedule } from '../policy/escalation';
import { findLevel, levelGate, levelId, type MigrationQuestion, nextLevel, startLevel } from '../policy/levels';
import { workflowNow } from './clock';
import { IncidentState } from './incidentState';
import {
  type AlertNotification,
  alertSignal,
  approveSignal,
  type DecisionRecord,
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
import { chooseNotifierMode, failureMessage, page, tellChannel, settleNotifications, whenDelivered } from './notify';
import { ask } from './people';
import { actions } from './proxies';
import { pagePeople, runSteps } from './steps';
import { runCheck, verify } from './verification';
import { ONE_UPSERT_PER_TASK } from './interceptors';

function enterStage(state: IncidentState, stage: Stage, detail?: string): void {
  state.enterStage(stage);
  state.record(`stage: ${stage}`, detail);
  upsertSearchAttributes([{ key: SearchAttributes.stage, value: stage }]);
  setDetails(state, detail);
}

/** Markdown shown as the workflow's current details in the Temporal UI. */
function setDetails(state: IncidentState, detail?: string): void {
  setCurrentDetails(`**Stage:** ${state.stage}${state.level === undefined ? '' : ` · **Level:** ${state.level}`}${detail ? ` — ${detail}` : ''}`);
}

/** The trigger a new alert stands for, and its value in base units when it has one. */
function contextFromAlert(state: IncidentState, alert: AlertNotification, base: DecisionContext): DecisionContext {
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

interface Decided {
  decision: DecisionRecord;
  planOutcome?: PlanOutcome;
}

/** prepare / monitor: keep watching; a person, or a worse alert, may still raise it to a rollback. */
async function watch(state: IncidentState, context: DecisionContext): Promise<DecisionContext | 'rollback' | undefined> {
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

async function decideStage(state: IncidentState, initial: DecisionContext): Promise<Decided> {
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
        const authority = authorityFor(plan, context, outcome)!;
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
        if (outcome.steps?.length) await runSteps(state, startLevel(plan, outcome), outcome.steps, `${outcome.action}-${state.decisions.length}`, noWaves);
        const next = await watch(state, context);
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

const noWaves = { afterWave: async () => true };

/** Irreversible migration: no destructive rollback; a person owns the forward fix. */
async function forwardFix(state: IncidentState, context: DecisionContext, reason: string): Promise<Outcome> {
  const { plan } = state.input;
  state.record('forward fix instead of rollback', reason);
  state.followUps.push(`Forward fix for ${state.input.service}: ${reason}`);
  const roles = answerableRoles(state, context);
  if (roles.length > 0) {
    const answer = await ask(state, {
      subject: 'forward fix (no destructive rollback)',
      roles,
      quorum: 'any',
      window: plan.defaults.askWindow,
      default: 'hold',
      summary: `${reason}. Approve to take the forward fix on; the rollback will not touch the database.`,
    });
    state.decisions.push({ action: 'fix-forward', by: answer.by, reason: answer.reason, at: workflowNow() });
  }
  return Outcome.FixForward;
}

/** Who answers for the plan when no decision rule names anyone: its first escalation step. */
function answerableRoles(state: IncidentState, context: DecisionContext): string[] {
  const { plan } = state.input;
  const authority = authorityFor(plan, context);
  return authority && !authority.system ? authority.roles : (plan.authority.escalation[0]?.roles ?? []);
}

/**
 * A migration-restricted level for a release whose migration kind is unknown runs only if a
 * person with authority confirms the kind allows it; unanswered, it holds. Either way recorded.
 */
async function migrationConfirmed(state: IncidentState, context: DecisionContext, level: Level, gate: MigrationQuestion): Promise<boolean> {
  // Runs recorded before this rule let an unknown migration through.
  if (!patched('unknown-migration-asks')) return true;
  const roles = answerableRoles(state, context);
  const refuse = (why: string) => {
    state.record('level refused', `${gate.reason}; ${why}`);
    state.followUps.push(`Find out the migration kind of the ${state.input.service} release: level ${levelId(level)} (${level.name}) did not run`);
    return false;
  };
  if (roles.length === 0) return refuse('nobody in the plan may confirm it');
  const { plan } = state.input;
  const answer = await ask(state, {
    subject: `level ${levelId(level)} (${level.name}): ${gate.question}`,
    roles,
    quorum: 'any',
    window: plan.defaults.askWindow,
    default: 'hold',
    summary: `${gate.reason}. ${gate.question}.`,
  });
  if (answer.choice === 'hold') return refuse(isPerson(answer.by) ? `${answer.by}: ${answer.reason}` : answer.reason);
  state.record('level allowed', `${answer.by} confirmed the migration allows it: ${answer.reason}`);
  return true;
}

async function verifyLevel(state: IncidentState, level: Level): Promise<boolean> {
  const verification = { ...state.input.plan.verification, ...level.verification };
  enterStage(state, Stage.Verify, level.checks.join(', ') || 'no checks in plan');
  if (parseDuration(verification.settle) > 0) await sleep(parseDuration(verification.settle));
  const checksFor = (stage: 'verify' | 'validate-slos') => level.checks.filter((c) => (state.input.plan.checks[c]?.stage ?? 'verify') === stage);
  if (!(await verify(state, checksFor('verify'), verification))) return false;
  await reach(state, 'verified');
  enterStage(state, Stage.ValidateSlos);
  if (!(await verify(state, checksFor('validate-slos'), verification))) return false;
  // Before the success announcement, so that it can name the version now running.
  // Unconditional: histories recorded with this patch carry its marker whether or not the plan captures.
  if (patched('capture-after-verification')) await captureState(state, 'after');
  await reach(state, 'validated');
  // Every check of the level passed, baseline ones included (seed 002 "System stabilization").
  await reach(state, 'stabilized');
  return true;
}

function slaLeft(state: IncidentState): string | undefined {
  const sla = state.input.plan.timing?.sla;
  const from = sla && state.milestones[sla.from];
  if (!sla || !from) return undefined;
  const left = parseDuration(sla.within) - (Date.parse(workflowNow()) - Date.parse(from));
  return left > 0 ? `${Math.round(left / 1000)}s of the ${sla.within} SLA left` : `the ${sla.within} SLA is spent`;
}

/** The plan's `capture` (seed 004 §1.3): before the first action, and again once a level is verified. */
async function captureState(state: IncidentState, when: 'before' | 'after'): Promise<void> {
  const { plan, incidentId } = state.input;
  if (!plan.capture) return;
  const what = when === 'before' ? 'pre-rollback state' : 'post-rollback state';
  try {
    const snapshot = await actions(60_000).captureState.executeWithOptions({ summary: `Capture ${what}` }, [
      { incidentId, adapters: plan.adapters, capture: plan.capture },
    ]);
    state.snapshots[when] = snapshot;
    state.record(`${what} captured`, snapshot.commit?.commit);
  } catch (err) {
    state.record(`${what} not captured`, failureMessage(err));
  }
}

async function prepareRollback(state: IncidentState): Promise<string | undefined> {
  const { plan } = state.input;
  await captureState(state, 'before');
  const pinned = plan.targets.services.flatMap((s) =>
    s.lastKnownGood ? [{ service: s.name, ref: s.lastKnownGood.ref, ...(s.lastKnownGood.image ? { image: s.lastKnownGood.image } : {}) }] : [],
  );
  // Without a confirm command or a repository there is nothing to look targets up in.
  if (pinned.length === 0 || state.dryRun || (!plan.targets.confirm && !plan.adapters.git)) return undefined;
  let confirmed;
  try {
    confirmed = await actions(120_000).confirmTargets.executeWithOptions({ summary: 'Confirm rollback targets exist' }, [
      { services: pinned, adapters: plan.adapters, ...(plan.targets.confirm ? { confirm: plan.targets.confirm } : {}) },
    ]);
  } catch (err) {
    return `could not confirm the rollback targets: ${failureMessage(err)}`;
  }
  const missing = confirmed.filter((c) => !c.exists);
  state.record(
    missing.length ? 'rollback targets missing' : 'rollback targets confirmed',
    confirmed.map((c) => `${c.service}@${c.ref}: ${c.exists ? 'ok' : c.detail}`).join('; '),
  );
  return missing.length ? `rollback target not available: ${missing.map((m) => `${m.service}@${m.ref}`).join(', ')}` : undefined;
}

async function rollBack(state: IncidentState, context: DecisionContext, decided: Decided, startAt?: Level): Promise<Outcome> {
  const { plan } = state.input;
  const planOutcome = decided.planOutcome ?? { action: 'rollback' as const };
  enterStage(state, Stage.Announce, `decision by ${decided.decision.by}`);
  if (isPerson(decided.decision.by)) await page(state, 'acknowledge', `${decided.decision.by} decided ${decided.decision.action}`);
  if (!plan.notifications.announce.some((a) => a.at === 'decided' || a.at === 'announced')) {
    await tellChannel(
      state,
      'Slack announcement',
      `:rotating_light: ROLLBACK INITIATED — ${plan.name}/${state.input.service}: ${context.trigger} (${decided.decision.reason})`,
    );
  }
  const notReady = await prepareRollback(state);
  await reach(state, 'announced');
  if (notReady) {
    state.record('rollback stopped', notReady);
    return Outcome.RollbackFailed;
  }

  let level = startAt ?? startLevel(plan, planOutcome);
  const maxLevel = 'maxLevel' in planOutcome ? planOutcome.maxLevel : undefined;
  const hooks = {
    afterWave: async (services: string[]) => {
      const verification = { ...plan.verification, ...level.verification };
      state.record('wave done', `${services.join(', ')}; stabilizing ${verification.stabilization}`);
      await sleep(parseDuration(verification.stabilization));
      const names = services.flatMap((s) => plan.targets.services.find((t) => t.name === s)?.checks ?? []);
      return verify(state, names, verification);
    },
  };
  if ('steps' in planOutcome && planOutcome.steps?.length) {
    if (!(await runSteps(state, level, planOutcome.steps, `first-response-${state.decisions.length}`, hooks))) return Outcome.RollbackFailed;
  }
  const gate = levelGate(level, context.migration);
  if (!gate.run) {
    if (gate.instead === 'fix-forward') return forwardFix(state, context, gate.reason);
    if (gate.instead === 'stop') {
      state.record('level refused', gate.reason);
      return Outcome.RollbackFailed;
    }
    if (!(await migrationConfirmed(state, context, level, gate))) return Outcome.RollbackFailed;
  }

  for (;;) {
    state.level = level.level;
    upsertSearchAttributes([{ key: SearchAttributes.level, value: level.level }]);
    state.record(`level ${levelId(level)}: ${level.name}`, slaLeft(state));
    // The run count keeps idempotency keys apart when monitoring re-opens and a level runs again.
    const acted = await runSteps(state, level, level.steps, `${levelId(level)}#${++state.levelRuns}`, hooks);
    if (acted) await reach(state, 'rolled-back');
    if (acted && (await verifyLevel(state, level))) return Outcome.RolledBack;

    const next = nextLevel(plan, level, { ...(maxLevel === undefined ? {} : { maxLevel }), ...(context.migration ? { migration: context.migration } : {}) });
    if ('level' in next) {
      state.record(
        'escalating deeper',
        `level ${levelId(level)} did not restore service → ${levelId(next.level)} (${next.level.name}); ${slaLeft(state) ?? 'no SLA'}`,
      );
      if (next.ask && !(await migrationConfirmed(state, context, next.level, next.ask))) return acted ? Outcome.RollbackUnverified : Outcome.RollbackFailed;
      enterStage(state, Stage.RollBack, `escalated to level ${levelId(next.level)}`);
      level = next.level;
      continue;
    }
    if (next.stop === 'fix-forward') return forwardFix(state, context, next.reason);
    state.record('no deeper level', next.reason);
    return acted ? Outcome.RollbackUnverified : Outcome.RollbackFailed;
  }
}

/** After a rollback: watch cycles × interval; a new alert or a failed check re-opens the decision. */
async function monitor(state: IncidentState, context: DecisionContext): Promise<DecisionContext | undefined> {
  const { plan } = state.input;
  const monitoring = plan.monitoring;
  if (!monitoring) return undefined;
  enterStage(state, Stage.Monitor, `${monitoring.cycles} × ${monitoring.interval}`);
  const seen = state.newAlerts.length;
  const firing = () => state.newAlerts.slice(seen).find((a) => a.status === 'firing');
  for (let cycle = 1; cycle <= monitoring.cycles; cycle++) {
    if (await condition(() => firing() !== undefined, parseDuration(monitoring.interval))) {
      state.record('monitoring re-opened the incident', `new alert ${firing()!.labels.alertname}`);
      return contextFromAlert(state, firing()!, context);
    }
    const failed: string[] = [];
    const unknown: string[] = [];
    // Fail-safe: a check we could not run (verdict error) says nothing about the service; only a check that said no re-opens.
    const errorIsUnknown = patched('monitoring-error-is-not-failed');
    for (const name of monitoring.checks) {
      const result = await runCheck(state, name);
      if (result.ok) continue;
      if (errorIsUnknown && result.verdict === 'error') unknown.push(name);
      else failed.push(name);
    }
    if (unknown.length) state.record('monitoring could not check', `${unknown.join(', ')}: not counted as failed`);
    if (failed.length && monitoring.reopenOn.failedChecks) {
      state.record('monitoring re-opened the incident', `checks failed: ${failed.join(', ')}`);
      return context;
    }
    if (monitoring.reopenOn.activeAlerts && !state.dryRun) {
      const active = await actions(30_000).activeAlerts.executeWithOptions({ summary: 'Active alerts' }, [
        { adapters: plan.adapters, service: state.input.service },
      ]);
      if (active.length) {
        state.record('monitoring re-opened the incident', `active alerts: ${active.join(', ')}`);
        return context;
      }
    }
    state.record(`monitoring cycle ${cycle}/${monitoring.cycles} clean`);
  }
  await reach(state, 'monitored');
  return undefined;
}

/** People escalation beside the run: at the plan's times the next people are paged. */
function escalatePeople(state: IncidentState): CancellationScope {
  const scope = new CancellationScope();
  const openedAt = Date.parse(state.milestones.detected!);
  scope
    .run(async () => {
      for (const due of escalationSchedule(state.input.plan, openedAt)) {
        const wait = due.dueAt - Date.parse(workflowNow());
        if (wait > 0) await sleep(wait);
        const after = formatDuration(due.dueAt - openedAt);
        state.escalations.push({ at: workflowNow(), after, roles: due.roles, people: due.people });
        state.record('people escalation', `${due.roles.join(' + ')} after ${after}${due.note ? ` (${due.note})` : ''}`);
        await pagePeople(state, due.roles);
      }
    })
    .catch((err) => {
      if (!isCancellation(err)) throw err;
    });
  return scope;
}

function closingOutcome(decision: DecisionRecord): Outcome {
  if (decision.action === 'fix-forward') return Outcome.FixForward;
  return decision.action === 'hold' && isPerson(decision.by) ? Outcome.Rejected : Outcome.Held;
}

export async function rollbackWorkflow(input: IncidentInput): Promise<IncidentResult> {
  const { plan } = input;
  const state = new IncidentState(input, workflowNow);
  chooseNotifierMode(state);
  setHandler(statusQuery, () => state.status());
  setHandler(recordQuery, () => state.fullRecord());
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

  patched(ONE_UPSERT_PER_TASK); // from here on, one search-attribute write per workflow task (interceptors.ts)
  upsertSearchAttributes([
    { key: SearchAttributes.plan, value: plan.name },
    { key: SearchAttributes.service, value: input.service },
  ]);
  enterStage(state, Stage.Detect, `${input.trigger} on ${input.service} in ${state.environment}${input.drill ? ` (drill ${input.drill})` : ''}`);
  state.record('detected', `${input.trigger} on ${input.service}${input.alert.value ? ` (value ${input.alert.value})` : ''}`);
  await reach(state, 'detected');
  await page(state, 'trigger', `${input.trigger} on ${input.service}: rollback plan ${plan.name} started`);
  const escalation = escalatePeople(state);

  let context: DecisionContext = { ...input.context, trigger: input.trigger };
  let outcome: Outcome;
  let startAt: Level | undefined;
  for (;;) {
    const decided = await decideStage(state, context);
    await reach(state, 'decided');
    if (decided.decision.action !== 'rollback') {
      outcome = closingOutcome(decided.decision);
      break;
    }
    outcome = await rollBack(state, context, decided, startAt);
    escalation.cancel();
    if (outcome !== Outcome.RolledBack) break;
    const reopened = await monitor(state, context);
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
  const summary = `${plan.name}/${input.service}: ${OUTCOME_TEXT[outcome]} (decision ${state.decision?.action} by ${state.decision?.by})`;
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
