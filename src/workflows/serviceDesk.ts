// The service desk: every alert for one plan, service and environment arrives here (the API
// signals-with-start it under an id derived from those names). It tells repeats from news by
// alert episode, opens at most one rollback run at a time (a child workflow), hands new
// episodes and resolves to the run that absorbed them, and remembers what it saw across
// continue-as-new. A repeat never escalates, re-opens or starts anything.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  type ChildWorkflowHandle,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { peopleInRoles } from '../policy/approvers';
import { classifyAlert, type Episode, pruneEpisodes } from '../policy/episodes';
import { workflowNow } from './clock';
import {
  type AlertDelivery,
  alertSignal,
  type DeskInput,
  type DeskMemory,
  type DeskRun,
  type DeskView,
  deliverAlertSignal,
  deskQuery,
  type IncidentInput,
  SearchAttributes,
  type TimelineEntry,
} from './messages';
import { channelTarget, scheduleNotice } from './notify';
import { notifications } from './proxies';
import { rollbackWorkflow } from './rollback';

/** Episodes kept besides the unresolved ones and the open run's. */
const MAX_EPISODES = 200;
const MAX_RUNS = 50;
const MAX_TIMELINE = 200;
/** History events after which an idle desk starts afresh (continue-as-new). */
const HISTORY_LIMIT = 5_000;
/**
 * A desk with no open run that heard nothing for this long ends. Three times Alertmanager's
 * default repeat_interval (4h): an alert still firing keeps its desk, and its episodes, alive.
 */
const IDLE_MS = 12 * 60 * 60 * 1000;

class Desk {
  readonly inbox: AlertDelivery[] = [];
  readonly timeline: TimelineEntry[] = [];
  opened: number;
  episodes: Episode[];
  runs: DeskRun[];
  open?: { incidentId: string; handle: ChildWorkflowHandle<typeof rollbackWorkflow> };
  received = 0;
  lastHeard = workflowNow();
  /** Notifications started beside the desk, awaited before it continues as new. */
  pending = 0;

  constructor(readonly input: DeskInput) {
    this.opened = input.memory?.opened ?? 0;
    this.episodes = input.memory?.episodes ?? [];
    this.runs = input.memory?.runs ?? [];
  }

  record(event: string, detail?: string): void {
    this.timeline.push({ at: workflowNow(), event, ...(detail === undefined ? {} : { detail }) });
    if (this.timeline.length > MAX_TIMELINE) this.timeline.splice(0, this.timeline.length - MAX_TIMELINE);
  }

  run(incidentId: string): DeskRun | undefined {
    return this.runs.find((r) => r.incidentId === incidentId);
  }

  memory(): DeskMemory {
    return {
      opened: this.opened,
      episodes: pruneEpisodes(this.episodes, MAX_EPISODES, this.open?.incidentId),
      runs: this.runs.slice(-MAX_RUNS),
    };
  }

  view(): DeskView {
    const { deskId, plan, service, environment } = this.input;
    return {
      deskId,
      plan,
      service,
      environment,
      ...(this.open ? { open: this.open.incidentId } : {}),
      received: this.received,
      inbox: this.inbox.length,
      opened: this.opened,
      episodes: this.episodes,
      runs: this.runs,
      timeline: this.timeline,
    };
  }
}

function describe(delivery: AlertDelivery): string {
  const { alert } = delivery;
  return [alert.labels.alertname, alert.fingerprint && `fingerprint ${alert.fingerprint}`, alert.startsAt && `since ${alert.startsAt}`]
    .filter(Boolean)
    .join(', ');
}

function remember(desk: Desk, delivery: AlertDelivery, incidentId: string | undefined): void {
  const { alert } = delivery;
  if (alert.fingerprint === undefined || alert.startsAt === undefined) return;
  desk.episodes.push({
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    firstSeen: alert.receivedAt,
    lastSeen: alert.receivedAt,
    repeats: 0,
    ...(incidentId ? { incidentId } : {}),
  });
}

async function openRun(desk: Desk, delivery: AlertDelivery): Promise<void> {
  const { deskId } = desk.input;
  const incidentId = `${deskId}:${desk.opened + 1}`;
  const input: IncidentInput = {
    incidentId,
    plan: delivery.plan,
    service: delivery.service,
    trigger: delivery.trigger,
    alert: delivery.alert,
    environment: delivery.environment,
    ...(delivery.context && Object.keys(delivery.context).length ? { context: delivery.context } : {}),
  };
  const handle = await startChild(rollbackWorkflow, {
    workflowId: incidentId,
    args: [input],
    // A rollback in flight outlives anything that happens to its desk.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `Rollback ${delivery.plan.name}/${delivery.service}: ${delivery.trigger}`,
    typedSearchAttributes: [
      { key: SearchAttributes.plan, value: delivery.plan.name },
      { key: SearchAttributes.service, value: delivery.service },
    ],
  });
  desk.opened++;
  desk.open = { incidentId, handle };
  desk.runs.push({ incidentId, trigger: delivery.trigger, openedAt: workflowNow() });
  remember(desk, delivery, incidentId);
  desk.record('run opened', `${incidentId} for ${delivery.trigger} (${describe(delivery)})`);
  handle
    .result()
    .then((result) => closeRun(desk, incidentId, result.outcome))
    .catch((err: Error) => closeRun(desk, incidentId, `ended without an outcome: ${err.message}`));
}

function closeRun(desk: Desk, incidentId: string, outcome: string): void {
  const run = desk.run(incidentId);
  if (run) Object.assign(run, { closedAt: workflowNow(), outcome });
  if (desk.open?.incidentId === incidentId) desk.open = undefined;
  desk.record('run closed', `${incidentId}: ${outcome}`);
}

/** Hands an alert to the open run; false when the run closed in the meantime. */
async function handToRun(desk: Desk, delivery: AlertDelivery): Promise<boolean> {
  const open = desk.open;
  if (!open) return false;
  try {
    await open.handle.signal(alertSignal, delivery.alert);
    return true;
  } catch (err) {
    // The run ended between its last event and this signal: it is closed for our purposes.
    desk.record('open run could not take the alert', `${open.incidentId}: ${(err as Error).message}`);
    await condition(() => desk.open?.incidentId !== open.incidentId);
    return false;
  }
}

/** A repeat of an episode whose run has closed: people are told once, nothing restarts. */
function firingAfterClose(desk: Desk, delivery: AlertDelivery, episode: Episode): void {
  if (episode.toldFiringAfterClose || episode.resolvedAt || !episode.incidentId) return;
  const run = desk.run(episode.incidentId);
  if (!run?.closedAt) return;
  episode.toldFiringAfterClose = true;
  const text = `${describe(delivery)} is still firing after ${episode.incidentId} closed (${run.outcome}); no new rollback was started for the same alert`;
  desk.record('still firing after close', text);
  const { plan } = delivery;
  const to = channelTarget(plan);
  if (!to) return;
  const roles = plan.authority.escalation[0]?.roles ?? [];
  const people = peopleInRoles(plan, roles)
    .map((p) => `<@${p}>`)
    .join(' ');
  const notice = { event: 'trigger', text: `${people ? `${people} ` : ''}:warning: ${plan.name}/${delivery.service}: ${text}` } as const;
  desk.pending++;
  scheduleNotice(notifications, patched('notifier-role'), 'Still firing after close', to, notice)
    .then((d) => desk.record(d.sent ? 'people told: still firing after close' : 'still-firing notice skipped', d.reason))
    .catch((err: Error) => desk.record('still-firing notice failed', err.message))
    .finally(() => desk.pending--);
}

async function take(desk: Desk, delivery: AlertDelivery): Promise<void> {
  const { alert } = delivery;
  const news = classifyAlert(desk.episodes, alert);
  switch (news.kind) {
    case 'repeat': {
      // Counted here (last seen) and nowhere else: not news to the run that absorbed it.
      news.episode.repeats++;
      news.episode.lastSeen = alert.receivedAt;
      firingAfterClose(desk, delivery, news.episode);
      return;
    }
    case 'resolve': {
      const episode = news.episode;
      if (episode) episode.resolvedAt ??= alert.receivedAt;
      const owner = episode?.incidentId;
      if (owner && owner === desk.open?.incidentId && (await handToRun(desk, delivery))) {
        desk.record('resolve handed to its run', `${owner}: ${describe(delivery)}`);
      } else {
        desk.record(
          'alert resolved',
          `${describe(delivery)}${owner ? ` (run ${owner} ${desk.run(owner)?.closedAt ? 'closed' : 'not open'})` : ' (no run absorbed it)'}`,
        );
      }
      return;
    }
    case 'new-episode': {
      if (await handToRun(desk, delivery)) {
        remember(desk, delivery, desk.open!.incidentId);
        desk.record('new alert joined the open run', `${desk.open!.incidentId}: ${describe(delivery)}`);
        return;
      }
      await openRun(desk, delivery);
      return;
    }
  }
}

export async function serviceDeskWorkflow(input: DeskInput): Promise<void> {
  const desk = new Desk(input);
  setHandler(deliverAlertSignal, (delivery) => {
    desk.inbox.push(delivery);
    desk.received++;
    desk.lastHeard = workflowNow();
  });
  setHandler(deskQuery, () => desk.view());

  for (;;) {
    const idleFor = () => Date.parse(workflowNow()) - Date.parse(desk.lastHeard);
    const woke = await condition(() => desk.inbox.length > 0, Math.max(1, IDLE_MS - idleFor()));
    if (woke) {
      const delivery = desk.inbox.shift()!;
      try {
        await take(desk, delivery);
      } catch (err) {
        // A run that cannot start (its id taken by a run this desk does not know) must not stop the desk taking alerts.
        desk.record('alert could not be taken', `${describe(delivery)}: ${(err as Error).message}`);
      }
    }
    const idle = desk.inbox.length === 0 && !desk.open;
    if (idle && !woke && idleFor() >= IDLE_MS) {
      desk.record('desk closed', 'no open run and nothing heard for a while');
      break;
    }
    if (idle && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT)) {
      await condition(() => desk.pending === 0 && allHandlersFinished());
      if (desk.inbox.length === 0) await continueAsNew<typeof serviceDeskWorkflow>({ ...input, memory: desk.memory() });
    }
  }
  await condition(() => desk.pending === 0 && allHandlersFinished());
}
