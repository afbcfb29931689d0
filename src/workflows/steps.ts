// Running a level: its steps in order (per service, in dependency waves, where a step
// names several), extra approvals before steps that need them, waits as workflow timers.
import { patched, sleep } from '@temporalio/workflow';
import type { ActionRecord } from '../adapters/roles';
import { formatDuration, parseDuration } from '../plan/duration';
import type { Level, Step } from '../plan/schema';
import { runsInWorkflow, stepInfo, type StepOf, type WorkflowStepType } from '../plan/stepTypes';
import { stepUnreachable } from '../policy/preflight';
import { peopleInRoles } from '../policy/approvers';
import { levelId } from '../policy/levels';
import { rollbackWaves } from '../policy/order';
import { workflowNow } from './clock';
import type { IncidentState } from './incidentState';
import { lastKnownGoodRefs } from './lastKnownGood';
import { type DecisionRecord, Stage } from './messages';
import { failureMessage, fillTemplate, page, pageAlert, tellChannel } from './notify';
import { reach, templateValues } from './milestones';
import { ask } from './people';
import { actions, stepActions } from './proxies';

export interface StepPlace {
  level: Level;
  /** Position for the idempotency key: the same step of the same run never acts twice. */
  key: string;
  service?: string;
}

/** The activity's budget: the step's own timeout plus room to report its result. */
function stepTimeoutMs(state: IncidentState, step: Step): number {
  return parseDuration(step.timeout ?? state.input.plan.defaults.stepTimeout) + 10_000;
}

/** Adds a step's record to the incident: what it did, to which service, from when to when. */
function recordStep(state: IncidentState, place: StepPlace, step: Step, startedAt: string, record: ActionRecord): void {
  state.steps.push({
    ...record,
    level: place.level.level,
    levelId: levelId(place.level),
    ...(place.service ? { service: place.service } : {}),
    type: step.type,
    ...(step.name ? { name: step.name } : {}),
    startedAt,
    endedAt: workflowNow(),
  });
  state.record(`step ${step.type}${place.service ? ` (${place.service})` : ''} ${record.ok ? 'done' : 'failed'}`, record.summary);
}

/** How often a drain past its first wait asks the load balancer again: soon after the pool empties, the rollback goes on. */
const DRAIN_POLL_MS = 1000;

/** A notify step does not wait for delivery (newer runs): its outcome is in the notifications. */
function besideNote(state: IncidentState, done: string): string {
  return state.notifiersBeside ? 'sending (beside the run):' : done;
}

type InWorkflow = { [K in WorkflowStepType]: (state: IncidentState, step: StepOf<K>, place: StepPlace) => Promise<ActionRecord> };

/** The steps the registry says the workflow performs itself: waits are timers, notifications are notifications. */
const IN_WORKFLOW: InWorkflow = {
  wait: async (_state, step) => {
    await sleep(parseDuration(step.duration));
    return { ok: true, summary: `waited ${step.duration}` };
  },
  'traffic.drain': async (state, step, place) => {
    await sleep(parseDuration(step.wait));
    if (step.maxActive === undefined || state.dryRun) return { ok: true, summary: `waited ${step.wait} for in-flight requests` };
    const maxActive = step.maxActive;
    const service = step.service ?? place.service ?? state.input.service;
    const activeNow = () =>
      actions(stepTimeoutMs(state, step)).activeRequests.executeWithOptions({ summary: `Active requests on ${service}` }, [
        { adapters: state.input.plan.adapters, service },
      ]);
    const active = await activeNow();
    if (active <= maxActive || !step.extraWait) return { ok: true, summary: `drained: ${active} active requests after ${step.wait}`, details: { active } };
    if (!patched('drain-until-within-limit')) {
      // Runs recorded before: one more fixed wait, whatever happens meanwhile.
      state.record('traffic drain waits longer', `${active} active requests > ${maxActive}; waiting ${step.extraWait} more`);
      await sleep(parseDuration(step.extraWait));
      return { ok: true, summary: `drained: ${active} active requests after ${step.wait}`, details: { active } };
    }
    state.record('traffic drain waits longer', `${active} active requests > ${maxActive}; waiting up to ${step.extraWait} more`);
    const started = Date.parse(workflowNow());
    const until = started + parseDuration(step.extraWait);
    let left = active;
    while (left > maxActive && Date.parse(workflowNow()) < until) {
      await sleep(Math.min(DRAIN_POLL_MS, until - Date.parse(workflowNow())));
      left = await activeNow();
    }
    const waited = `${step.wait} + ${formatDuration(Date.parse(workflowNow()) - started)}`;
    const details = { active: left, activeAfterWait: active };
    // Like the seed's runbook, a drain that did not empty goes on (with the warning on record): the rollback matters more.
    if (left > maxActive) return { ok: true, summary: `still ${left} active requests (> ${maxActive}) after ${waited}; going on`, details };
    return { ok: true, summary: `drained: ${left} active requests after ${waited} (${active} after ${step.wait})`, details };
  },
  'notify.slack': async (state, step) => {
    const { plan } = state.input;
    const template = plan.notifications.templates[step.template] ?? step.template;
    await tellChannel(
      state,
      `Slack ${step.template}`,
      fillTemplate(template, templateValues(state)),
      step.channel && (plan.notifications.slack?.channels[step.channel] ?? step.channel),
    );
    return { ok: true, summary: `${besideNote(state, 'posted')} ${step.template}` };
  },
  'notify.pagerduty': async (state, step) => {
    const { plan } = state.input;
    const text = fillTemplate(plan.notifications.templates[step.template] ?? step.template, templateValues(state));
    // Runs recorded before a step's page had its own alert (and severity) triggered the run's alert again.
    if (patched('pager-step-own-alert')) await pageAlert(state, step.template, text, step.severity);
    else await page(state, 'trigger', text);
    return { ok: true, summary: `${besideNote(state, 'paged with')} ${step.template}` };
  },
  'notify.page': async (state, step) => {
    await pagePeople(state, step.roles, step.template);
    return { ok: true, summary: `${besideNote(state, 'paged')} ${step.roles.join(', ')}` };
  },
};

/** The step's own work: in the workflow, or by the runStep activity (in dry-run when a drill cannot reach what it needs). */
async function perform(state: IncidentState, step: Step, place: StepPlace): Promise<ActionRecord> {
  if (runsInWorkflow(step)) return IN_WORKFLOW[step.type](state, step as never, place);
  const unreachable = state.unreachable && stepUnreachable(step, state.unreachable);
  const record = await stepActions(stepTimeoutMs(state, step)).runStep.executeWithOptions(
    { summary: `${step.type}${place.service ? ` ${place.service}` : ''}${step.name ? `: ${step.name}` : ''}` },
    [
      {
        incidentId: state.input.incidentId,
        stepKey: place.key,
        step,
        ...(place.service ? { service: place.service } : {}),
        environment: state.environment,
        dryRun: state.dryRun || unreachable !== undefined,
        adapters: state.input.plan.adapters,
        lastKnownGood: await lastKnownGoodRefs(state),
        defaultTimeout: state.input.plan.defaults.stepTimeout,
      },
    ],
  );
  return unreachable ? { ...record, summary: `${record.summary} (dry-run in this drill: ${unreachable})` } : record;
}

export async function pagePeople(state: IncidentState, roles: string[], template?: string): Promise<void> {
  const { plan } = state.input;
  const people = peopleInRoles(plan, roles);
  const text =
    template && plan.notifications.templates[template]
      ? fillTemplate(plan.notifications.templates[template], templateValues(state))
      : `${state.input.incidentId} needs you`;
  await tellChannel(state, `Page ${roles.join(', ')}`, `${people.map((p) => `<@${p}>`).join(' ')} ${text}`);
}

/** Asks for a step's extra approval; when it is not given, the hold and the step's record. */
async function notApproved(state: IncidentState, step: Step, place: StepPlace): Promise<{ hold: DecisionRecord; record: ActionRecord } | undefined> {
  const approval = step.approval;
  if (!approval) return undefined;
  const answer = await ask(state, {
    subject: `${step.type}${step.name ? ` (${step.name})` : ''}`,
    roles: approval.approvers,
    quorum: approval.quorum,
    window: approval.window,
    default: approval.default,
    summary: approval.reason ?? `Step ${step.type} of level ${levelId(place.level)} needs approval`,
  });
  const decision: DecisionRecord = { action: answer.choice, by: answer.by, reason: `${step.type}: ${answer.reason}`, at: workflowNow() };
  state.decisions.push(decision);
  return answer.choice === 'hold' ? { hold: decision, record: { ok: false, summary: `not approved (${answer.by}): ${answer.reason}` } } : undefined;
}

/** Runs one step (after its approval, when it needs one) and records it; false when the level must stop. */
async function runOne(state: IncidentState, step: Step, place: StepPlace): Promise<boolean> {
  const startedAt = workflowNow();
  const held = await notApproved(state, step, place);
  let record = held?.record;
  if (!record) {
    try {
      record = await perform(state, step, place);
    } catch (err) {
      record = { ok: false, summary: failureMessage(err) };
    }
  }
  recordStep(state, place, step, startedAt, record);
  // A hold is a decision, not a failure: the rollback stops there, whatever continueOnError says,
  // and the run ends held (rollBackAndVerify). Runs recorded before went on as after a failed step.
  if (held && patched('step-hold-ends-run')) {
    state.stepHold = { ...held.hold, step: `${step.type}${step.name ? ` (${step.name})` : ''} of level ${levelId(place.level)}` };
    return false;
  }
  return record.ok || step.continueOnError;
}

/** Steps that act per service: deploy.run over its services, in dependency waves. */
function servicesOf(state: IncidentState, step: Step): string[][] | undefined {
  if (!stepInfo(step.type).perService) return undefined;
  const selected = 'services' in step && step.services !== 'all' ? step.services : undefined;
  return rollbackWaves(state.input.plan, selected);
}

export interface WaveHooks {
  /** After each wave but the last: wait for stabilization and verify the wave's services. */
  afterWave(services: string[]): Promise<boolean>;
}

export async function runSteps(state: IncidentState, level: Level, steps: readonly Step[], keyPrefix: string, hooks: WaveHooks): Promise<boolean> {
  for (const [index, step] of steps.entries()) {
    const stage: Stage = stepInfo(step.type).stage;
    if (state.stage === Stage.Drain && stage !== Stage.Drain) await reach(state, 'drained');
    if (state.stage !== stage) state.enterStage(stage);
    const waves = servicesOf(state, step);
    if (!waves) {
      if (!(await runOne(state, step, { level, key: `${keyPrefix}/${index}` }))) return false;
      continue;
    }
    for (const [w, wave] of waves.entries()) {
      for (const service of wave) {
        if (!(await runOne(state, step, { level, key: `${keyPrefix}/${index}/${service}`, service }))) return false;
      }
      if (w < waves.length - 1 && !(await hooks.afterWave(wave))) return false;
    }
  }
  // A level that ends with its drain (seed 004: flag to 0 %, then wait for in-flight requests) has drained.
  if (state.stage === Stage.Drain) await reach(state, 'drained');
  return true;
}

/** For steps outside a level's rollback (prepare): no checks between waves. */
export const NO_WAVE_CHECKS: WaveHooks = { afterWave: () => Promise.resolve(true) };
