// Beside and after the rollback: people escalation on the plan's schedule for as long as
// the plan's escalationScope says, and monitoring once a rollback verified (a new alert, a
// failed check or an alert still active re-opens the decision; a check that could not run
// does not).
import { CancellationScope, condition, isCancellation, patched, sleep } from '@temporalio/workflow';
import { formatDuration, parseDuration } from '../plan/duration';
import type { DecisionContext } from '../policy/context';
import { escalationSchedule } from '../policy/escalation';
import { workflowNow } from './clock';
import { contextFromAlert } from './decide';
import type { IncidentState } from './incidentState';
import { Stage } from './messages';
import { reach } from './milestones';
import { actions } from './proxies';
import { enterStage } from './stages';
import { pagePeople } from './steps';
import { runCheck } from './verification';

/** After a verified rollback: watch cycles × interval; a new alert or a failed check re-opens the decision. */
export async function monitorAfterRollback(state: IncidentState, context: DecisionContext): Promise<DecisionContext | undefined> {
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
export function escalatePeople(state: IncidentState): CancellationScope {
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

/** Ends people escalation where the plan's escalationScope says; the steps not yet due are recorded as not paged. */
export function endEscalation(state: IncidentState, escalation: CancellationScope, at: string): void {
  if (escalation.consideredCancelled) return;
  const { authority } = state.input.plan;
  const left = authority.escalation.length - state.escalations.length;
  if (left > 0) state.record('people escalation ended', `${at}: ${left} later step(s) not paged (escalationScope ${authority.escalationScope ?? 'rollback'})`);
  escalation.cancel();
}
