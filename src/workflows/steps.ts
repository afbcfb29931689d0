// Running a level: its steps in order (per service, in dependency waves, where a step
// names several), extra approvals before steps that need them, waits as workflow timers.
import { sleep } from '@temporalio/workflow';
import type { ActionRecord } from '../adapters/roles';
import { parseDuration } from '../plan/duration';
import type { Level, Step } from '../plan/schema';
import { peopleInRoles } from '../policy/approvers';
import { levelId } from '../policy/levels';
import { rollbackWaves } from '../policy/order';
import { workflowNow } from './clock';
import type { IncidentState } from './incidentState';
import { Stage } from './messages';
import { failureMessage, fillTemplate, page, tellChannel } from './notify';
import { reach, templateValues } from './milestones';
import { ask } from './people';
import { actions, stepActions } from './proxies';

export interface StepPlace {
  level: Level;
  /** Position for the idempotency key: the same step of the same run never acts twice. */
  key: string;
  service?: string;
}

function lastKnownGood(state: IncidentState): Record<string, string> {
  return Object.fromEntries(state.input.plan.targets.services.flatMap((s) => (s.lastKnownGood ? [[s.name, s.lastKnownGood.ref]] : [])));
}

/** The activity's budget: the step's own timeout plus room to report its result. */
function stepTimeoutMs(state: IncidentState, step: Step): number {
  return parseDuration(step.timeout ?? state.input.plan.defaults.stepTimeout) + 10_000;
}

function keep(state: IncidentState, place: StepPlace, step: Step, startedAt: string, record: ActionRecord): boolean {
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
  return record.ok || step.continueOnError;
}

/** A notify step does not wait for delivery (newer runs): its outcome is in the notifications. */
function besideNote(state: IncidentState, done: string): string {
  return state.notifiersBeside ? 'sending (beside the run):' : done;
}

/** Steps the workflow performs itself: waits are timers, notifications are notifications. */
async function runInWorkflow(state: IncidentState, step: Step, place: StepPlace): Promise<ActionRecord | undefined> {
  const { plan } = state.input;
  switch (step.type) {
    case 'wait':
      await sleep(parseDuration(step.duration));
      return { ok: true, summary: `waited ${step.duration}` };
    case 'traffic.drain': {
      await sleep(parseDuration(step.wait));
      if (step.maxActive === undefined || state.dryRun) return { ok: true, summary: `waited ${step.wait} for in-flight requests` };
      const service = step.service ?? place.service ?? state.input.service;
      const active = await actions(stepTimeoutMs(state, step)).activeRequests.executeWithOptions({ summary: `Active requests on ${service}` }, [
        { adapters: plan.adapters, service },
      ]);
      if (active > step.maxActive && step.extraWait) {
        state.record('traffic drain waits longer', `${active} active requests > ${step.maxActive}; waiting ${step.extraWait} more`);
        await sleep(parseDuration(step.extraWait));
      }
      return { ok: true, summary: `drained: ${active} active requests after ${step.wait}`, details: { active } };
    }
    case 'notify.slack': {
      const template = plan.notifications.templates[step.template] ?? step.template;
      await tellChannel(
        state,
        `Slack ${step.template}`,
        fillTemplate(template, templateValues(state)),
        step.channel && (plan.notifications.slack?.channels[step.channel] ?? step.channel),
      );
      return { ok: true, summary: `${besideNote(state, 'posted')} ${step.template}` };
    }
    case 'notify.pagerduty':
      await page(state, 'trigger', fillTemplate(plan.notifications.templates[step.template] ?? step.template, templateValues(state)));
      return { ok: true, summary: `${besideNote(state, 'paged with')} ${step.template}` };
    case 'notify.page':
      await pagePeople(state, step.roles, step.template);
      return { ok: true, summary: `${besideNote(state, 'paged')} ${step.roles.join(', ')}` };
    default:
      return undefined;
  }
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

async function runOne(state: IncidentState, step: Step, place: StepPlace): Promise<boolean> {
  const startedAt = workflowNow();
  if (step.approval) {
    const approval = step.approval;
    const answer = await ask(state, {
      subject: `${step.type}${step.name ? ` (${step.name})` : ''}`,
      roles: approval.approvers,
      quorum: approval.quorum,
      window: approval.window,
      default: approval.default,
      summary: approval.reason ?? `Step ${step.type} of level ${levelId(place.level)} needs approval`,
    });
    state.decisions.push({ action: answer.choice, by: answer.by, reason: `${step.type}: ${answer.reason}`, at: workflowNow() });
    if (answer.choice === 'hold') {
      return keep(state, place, step, startedAt, { ok: false, summary: `not approved (${answer.by}): ${answer.reason}` });
    }
  }
  try {
    const local = await runInWorkflow(state, step, place);
    if (local) return keep(state, place, step, startedAt, local);
    const record = await stepActions(stepTimeoutMs(state, step)).runStep.executeWithOptions(
      { summary: `${step.type}${place.service ? ` ${place.service}` : ''}${step.name ? `: ${step.name}` : ''}` },
      [
        {
          incidentId: state.input.incidentId,
          stepKey: place.key,
          step,
          ...(place.service ? { service: place.service } : {}),
          environment: state.environment,
          dryRun: state.dryRun,
          adapters: state.input.plan.adapters,
          lastKnownGood: lastKnownGood(state),
          defaultTimeout: state.input.plan.defaults.stepTimeout,
        },
      ],
    );
    return keep(state, place, step, startedAt, record);
  } catch (err) {
    return keep(state, place, step, startedAt, { ok: false, summary: failureMessage(err) });
  }
}

/** Steps that act per service: deploy.run over its services, in dependency waves. */
function servicesOf(state: IncidentState, step: Step): string[][] | undefined {
  if (step.type !== 'deploy.run') return undefined;
  const selected = step.services === 'all' ? undefined : step.services;
  return rollbackWaves(state.input.plan, selected);
}

export interface WaveHooks {
  /** After each wave but the last: wait for stabilization and verify the wave's services. */
  afterWave(services: string[]): Promise<boolean>;
}

export async function runSteps(state: IncidentState, level: Level, steps: readonly Step[], keyPrefix: string, hooks: WaveHooks): Promise<boolean> {
  for (const [index, step] of steps.entries()) {
    const stage = step.type.startsWith('traffic.') ? Stage.Drain : Stage.RollBack;
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
