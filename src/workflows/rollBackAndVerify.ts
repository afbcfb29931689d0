// Rolling back: announce, capture and confirm the targets, run the decided level, verify
// it, and go one level deeper while checks fail — within the migration rules (an
// irreversible migration is fixed forward; an unknown one asks a person).
import { patched, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { parseDuration } from '../plan/duration';
import type { Level } from '../plan/schema';
import { authorityFor } from '../policy/authority';
import type { DecisionContext } from '../policy/context';
import { holdEnding, isPerson } from '../policy/deciders';
import { commandUnreachable } from '../policy/preflight';
import { levelGate, levelId, type MigrationQuestion, nextLevel, startLevel } from '../policy/levels';
import { workflowNow } from './clock';
import type { Decided } from './decide';
import type { IncidentState } from './incidentState';
import { Outcome, SearchAttributes, Stage } from './messages';
import { lastKnownGoodRefs } from './lastKnownGood';
import { reach } from './milestones';
import { failureMessage, page, tellChannel } from './notify';
import { ask } from './people';
import { actions } from './proxies';
import { enterStage } from './stages';
import { runSteps } from './steps';
import { verify } from './verification';

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
  let refs: Record<string, string>;
  try {
    refs = await lastKnownGoodRefs(state);
  } catch (err) {
    return `could not find the last known good: ${failureMessage(err)}`;
  }
  const unmatched = (state.lastKnownGood ?? []).filter((r) => !r.tag);
  if (unmatched.length) return `rollback target not available: ${unmatched.map((r) => `${r.service} (no tag matches ${r.pattern})`).join(', ')}`;
  const pinned = plan.targets.services.flatMap((s) => {
    const ref = refs[s.name];
    return ref ? [{ service: s.name, ref, ...(s.lastKnownGood?.image ? { image: s.lastKnownGood.image } : {}) }] : [];
  });
  // Without a confirm command or a repository there is nothing to look targets up in.
  if (pinned.length === 0 || state.dryRun || (!plan.targets.confirm && !plan.adapters.git)) return undefined;
  const unreachable = state.unreachable && plan.targets.confirm && commandUnreachable(plan.targets.confirm.command, state.unreachable);
  if (unreachable) {
    state.record('rollback targets not confirmed', `dry-run in this drill: ${unreachable}`);
    return undefined;
  }
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

/** A step approval held (seed 004 §5.4 "STOP: consult the DBA"): the rollback goes no further, no deeper level either. */
function heldAtStep(state: IncidentState): Outcome | undefined {
  const hold = state.stepHold;
  if (!hold) return undefined;
  state.record('rollback held', `step ${hold.step}: ${hold.by} held (${hold.reason})`);
  return holdEnding(hold.by);
}

/** The level a rollback starts at: the one given (deeper after a re-opened incident), else the one the decision names. */
export function firstLevel(state: IncidentState, decided: Decided, startAt?: Level): Level {
  return startAt ?? startLevel(state.input.plan, decided.planOutcome ?? { action: 'rollback' });
}

/** Announce, prepare, then run levels from the first the decision names, deeper while checks fail, until one verifies. */
export async function rollBackAndVerify(state: IncidentState, context: DecisionContext, decided: Decided, startAt?: Level): Promise<Outcome> {
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
  // A hold recorded earlier (a prepare's steps) is history: only this rollback's steps end it.
  state.stepHold = undefined;
  const notReady = await prepareRollback(state);
  await reach(state, 'announced');
  if (notReady) {
    state.record('rollback stopped', notReady);
    return Outcome.RollbackFailed;
  }

  let level = firstLevel(state, decided, startAt);
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
    if (!(await runSteps(state, level, planOutcome.steps, `first-response-${state.decisions.length}`, hooks)))
      return heldAtStep(state) ?? Outcome.RollbackFailed;
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
    state.levelInHand = { level, startedAt: workflowNow() };
    upsertSearchAttributes([{ key: SearchAttributes.level, value: level.level }]);
    state.record(`level ${levelId(level)}: ${level.name}`, slaLeft(state));
    // The run count keeps idempotency keys apart when monitoring re-opens and a level runs again.
    const acted = await runSteps(state, level, level.steps, `${levelId(level)}#${++state.levelRuns}`, hooks);
    const held = heldAtStep(state);
    if (held) return held;
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
