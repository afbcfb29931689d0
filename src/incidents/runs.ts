// Reading runs back: the record for reports (with the plan the run started with) and the
// open runs that freeze deployments of a service.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { Plan } from '../plan/schema';
import {
  deskQuery,
  type IncidentInput,
  type IncidentRecord,
  type IncidentStatus,
  parseDeskId,
  recordQuery,
  SearchAttributes,
  statusQuery,
} from '../workflows/messages';

export class UnknownIncidentError extends Error {
  constructor(
    readonly incidentId: string,
    detail = `no incident "${incidentId}"`,
  ) {
    super(detail);
    this.name = 'UnknownIncidentError';
  }
}

/**
 * The run an incident id names. A run's own id names itself; a service desk's id names the
 * desk's open run, else its latest one (so the id an alert's answer gives stays useful).
 */
export async function resolveIncident(client: Client, incidentId: string): Promise<string> {
  const desk = parseDeskId(incidentId);
  if (!desk || desk.run !== undefined) return incidentId;
  let view;
  try {
    view = await client.workflow.getHandle(incidentId).query(deskQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UnknownIncidentError(incidentId);
    throw err;
  }
  const run = view.open ?? view.runs[view.runs.length - 1]?.incidentId;
  if (!run) throw new UnknownIncidentError(incidentId, `the service desk ${incidentId} has not opened a run (yet): ${view.received} alerts received`);
  return run;
}

/**
 * A run's status as an on-call reads it: its alerts with how often each repeated and when it
 * was last seen. Repeats are counted by the service desk (the run never hears them), so they
 * are read from there; without the desk the run's own counts stand. Throws
 * UnknownIncidentError for an id with no run.
 */
export async function incidentStatus(client: Client, incidentId: string): Promise<IncidentStatus> {
  const runId = await resolveIncident(client, incidentId);
  const status = await client.workflow
    .getHandle(runId)
    .query(statusQuery)
    .catch((err: unknown) => {
      throw err instanceof WorkflowNotFoundError ? new UnknownIncidentError(incidentId) : err;
    });
  if (!status.deskId || !status.alerts?.length) return status;
  const desk = await client.workflow
    .getHandle(status.deskId)
    .query(deskQuery)
    .catch(() => undefined);
  if (!desk) return status;
  const alerts = status.alerts.map((alert) => {
    const episode = desk.episodes.find((e) => e.fingerprint === alert.fingerprint && e.startsAt === alert.startsAt && e.incidentId === runId);
    return episode ? { ...alert, repeats: alert.repeats + episode.repeats, lastSeen: episode.lastSeen } : alert;
  });
  return { ...status, alerts };
}

/** The input the run was started with (plan snapshot included), from its first history event. */
export async function runInput(client: Client, incidentId: string): Promise<IncidentInput | undefined> {
  try {
    const { history } = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId: incidentId },
      maximumPageSize: 1,
    });
    const started = history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    if (!started?.input?.payloads) return undefined;
    const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, started.input.payloads);
    return input as IncidentInput | undefined;
  } catch (err) {
    if ((err as { code?: number }).code === 5 /* NOT_FOUND */) return undefined;
    throw err;
  }
}

/** The run's record; throws UnknownIncidentError for an id with no run. */
export async function incidentRecord(client: Client, incidentId: string): Promise<IncidentRecord> {
  try {
    return await client.workflow.getHandle(await resolveIncident(client, incidentId)).query(recordQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UnknownIncidentError(incidentId);
    throw err;
  }
}

/**
 * The plan a report is written against: the snapshot the run started with ("a run keeps
 * the rules it started with"), else the loaded plan of that name.
 */
export async function planOfRun(client: Client, incidentId: string, planName: string, plans: ReadonlyMap<string, Plan>): Promise<Plan | undefined> {
  const input = await runInput(client, incidentId).catch(() => undefined);
  return input?.plan ?? plans.get(planName);
}

export interface FreezingIncident {
  incidentId: string;
  plan: string;
  stage: string;
  since: string;
}

export interface FreezeAnswer {
  service: string;
  frozen: boolean;
  incidents: FreezingIncident[];
  reason: string;
}

export interface OpenRun {
  incidentId: string;
  plan: string;
  service: string;
  stage?: string;
  since: string;
}

/** Whether a run of `plan` for `run.service` freezes deployments of `service`. Pure. */
export function freezes(plan: Plan | undefined, run: OpenRun, service: string): boolean {
  if (!plan?.freeze?.deployments) return false;
  if (run.service === service) return true;
  return plan.freeze.scope === 'all' && plan.targets.services.some((s) => s.name === service);
}

/** The answer for one service, from the open runs and their plans. Pure. */
export function freezeAnswer(service: string, runs: { run: OpenRun; plan: Plan | undefined }[]): FreezeAnswer {
  const incidents = runs
    .filter(({ run, plan }) => freezes(plan, run, service))
    .map(({ run }) => ({ incidentId: run.incidentId, plan: run.plan, stage: run.stage ?? 'detect', since: run.since }))
    .sort((a, b) => a.since.localeCompare(b.since) || a.incidentId.localeCompare(b.incidentId));
  const reason = incidents.length
    ? `deployments of ${service} are frozen while ${incidents.length === 1 ? 'incident' : 'incidents'} ${incidents.map((i) => `${i.incidentId} (plan ${i.plan}, stage ${i.stage})`).join(', ')} ${incidents.length === 1 ? 'is' : 'are'} open`
    : `no open incident freezes deployments of ${service}`;
  return { service, frozen: incidents.length > 0, incidents, reason };
}

const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The visibility query for open runs that may freeze `service`. */
export function openRunsQuery(service: string, plans: ReadonlyMap<string, Plan>): string {
  // Plans that freeze every service they cover: a run of them for any service counts.
  const wide = [...plans.values()]
    .filter((p) => p.freeze?.deployments && p.freeze.scope === 'all' && p.targets.services.some((s) => s.name === service))
    .map((p) => p.name);
  const scope = wide.length
    ? `(RollbackService = ${quote(service)} OR RollbackPlan IN (${wide.map(quote).join(', ')}))`
    : `RollbackService = ${quote(service)}`;
  // A drill rehearses; it does not hold up deployments.
  return `ExecutionStatus = 'Running' AND RollbackDrill IS NULL AND ${scope}`;
}

/** Open runs (by visibility) that freeze deployments of `service`. */
export async function freezeStatus(client: Client, plans: ReadonlyMap<string, Plan>, service: string): Promise<FreezeAnswer> {
  const found: { run: OpenRun; plan: Plan | undefined }[] = [];
  for await (const wf of client.workflow.list({ query: openRunsQuery(service, plans) })) {
    const attrs = wf.typedSearchAttributes;
    const planName = attrs.get(SearchAttributes.plan);
    const runService = attrs.get(SearchAttributes.service);
    if (!planName || !runService) continue;
    const stage = attrs.get(SearchAttributes.stage);
    const run: OpenRun = { incidentId: wf.workflowId, plan: planName, service: runService, since: wf.startTime.toISOString(), ...(stage ? { stage } : {}) };
    // The loaded plan of that name; a plan no longer loaded is read from the run's own snapshot.
    const plan = plans.get(planName) ?? (await runInput(client, wf.workflowId).catch(() => undefined))?.plan;
    found.push({ run, plan });
  }
  return freezeAnswer(service, found);
}
