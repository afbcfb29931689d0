// The watcher: a plan evaluates its own triggers. One long-lived workflow per plan, service
// and environment (its id is derived from them) ticks on a workflow timer every
// `watch.interval`: metric triggers are read back over their whole hold window by a range
// query and evaluated in one activity, health triggers run the plan's check and are evaluated
// here over the results kept in this workflow. Nothing lives only in a worker's memory, so a
// restarted worker carries on at the same point of a hold window. A trigger that fires is
// handed to the service desk exactly like an alert (one open run per plan, service and
// environment), with its evaluation as evidence; while the breach lasts it is not handed
// again. A metrics source that cannot be read is an Error: counted, recorded, and after the
// plan's `errorAfter` the first escalation role is paged — it never rolls back by itself.
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_TYPES } from '../activities/failures';
import type { TriggerReading, WatchedAlert } from '../activities/watch';
import type { HttpProbeResult } from '../adapters/httpCheck';
import type { NotifierTarget } from '../adapters/roles';
import { formatDuration, parseDuration } from '../plan/duration';
import type { HealthTrigger, MetricTrigger, Plan } from '../plan/schema';
import { peopleInRoles } from '../policy/approvers';
import { type CheckSample, evaluateTrigger, type TriggerEvaluation } from '../policy/triggers';
import { nextEpisode, watchedTriggers, watchFingerprint } from '../policy/watch';
import { workflowNow } from './clock';
import {
  stopWatchSignal,
  type TimelineEntry,
  type WatchedTrigger,
  type WatchInput,
  type WatchMemory,
  watchPlanSignal,
  watchQuery,
  type WatchView,
} from './messages';
import { channelTarget, pagerTarget, scheduleNotice } from './notify';
import { notificationsWithin } from './proxies';

/** History events after which the watcher starts afresh with what it remembers. */
const HISTORY_LIMIT = 2_000;
const MAX_TIMELINE = 100;
/** Check results kept per health trigger besides the first of the failing run under way. */
const MAX_RESULTS = 100;

const nonRetryableErrorTypes = [...NON_RETRYABLE_TYPES];

/** A tick's reads: short, and retried once when a worker dies under them (the next tick reads again anyway). */
function readers(intervalMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: Math.max(10_000, 2 * intervalMs),
    retry: { initialInterval: '200ms', maximumAttempts: 2, nonRetryableErrorTypes },
  });
}

/** Handing a fired trigger to its desk: retried until it is delivered (Temporal briefly unreachable). */
const opener = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', nonRetryableErrorTypes },
});

class Watcher {
  plan: Plan;
  stopping?: string;
  ticks: number;
  readonly triggers: WatchedTrigger[];
  errors: WatchMemory['errors'];
  readonly timeline: TimelineEntry[];
  /** Pages under way beside the loop, awaited before continue-as-new. */
  pending = 0;

  constructor(readonly input: WatchInput) {
    this.plan = input.plan;
    this.ticks = input.memory?.ticks ?? 0;
    this.errors = input.memory?.errors ?? { count: 0 };
    this.timeline = input.memory?.timeline ?? [];
    this.triggers = input.memory?.triggers ?? [];
  }

  get intervalMs(): number {
    return parseDuration(this.plan.watch?.interval ?? '5s');
  }

  record(event: string, detail?: string): void {
    this.timeline.push({ at: workflowNow(), event, ...(detail === undefined ? {} : { detail }) });
    if (this.timeline.length > MAX_TIMELINE) this.timeline.splice(0, this.timeline.length - MAX_TIMELINE);
  }

  /** The state of a watched trigger, created on first sight (a plan may gain triggers). */
  entry(name: string, kind: WatchedTrigger['kind']): WatchedTrigger {
    let entry = this.triggers.find((t) => t.trigger === name);
    if (!entry) {
      entry = { trigger: name, kind, fired: false, incidents: [] };
      this.triggers.push(entry);
    }
    return entry;
  }

  memory(): WatchMemory {
    return { ticks: this.ticks, triggers: this.triggers, errors: this.errors, timeline: this.timeline };
  }

  view(): WatchView {
    const { watchId, service, environment } = this.input;
    return {
      watchId,
      plan: this.plan.name,
      service,
      environment,
      interval: this.plan.watch?.interval ?? '5s',
      errorAfter: this.plan.watch?.errorAfter ?? '2m',
      stopping: this.stopping !== undefined,
      ...this.memory(),
    };
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function show(evaluation: TriggerEvaluation): string {
  const e = evaluation.evidence;
  return [evaluation.reason, e && `worst ${e.worst}, latest ${e.last}, ${e.count} samples since ${iso(e.since)}`].filter(Boolean).join('; ');
}

/** Hands a trigger that fired to its service desk, as an alert with the evaluation as evidence. */
async function report(watcher: Watcher, entry: WatchedTrigger, evaluation: TriggerEvaluation, samples: number | undefined): Promise<void> {
  const { watchId, service, environment } = watcher.input;
  const plan = watcher.plan;
  const since = entry.episode!.since;
  const value = evaluation.value;
  const alert: WatchedAlert = {
    plan,
    service,
    environment,
    trigger: entry.trigger,
    context: { ...(value === undefined ? {} : { value }), ...(evaluation.heldFor === undefined ? {} : { heldFor: evaluation.heldFor }) },
    alert: {
      status: 'firing',
      receivedAt: workflowNow(),
      labels: { alertname: entry.trigger, service, rollback_plan: plan.name, environment, source: 'watch' },
      annotations: {
        summary: `${plan.name}/${service} (${environment}): ${show(evaluation)}`,
        ...(evaluation.heldFor === undefined ? {} : { held_for: formatDuration(evaluation.heldFor) }),
      },
      ...(value === undefined ? {} : { value: String(value) }),
      startsAt: iso(since),
      fingerprint: watchFingerprint(watchId, entry.trigger, evaluation.evidence?.series ?? ''),
      evidence: { ...evaluation, ...(samples === undefined ? {} : { samples }), watchId },
    },
  };
  const { incidentId } = await opener.openWatchedIncident.executeWithOptions({ summary: `${entry.trigger} fired: ${evaluation.reason}` }, [alert]);
  entry.incidents = [...entry.incidents.slice(-9), incidentId];
  watcher.record('trigger fired', `${entry.trigger}: ${show(evaluation)} → ${incidentId}`);
}

/** Applies one evaluation to its trigger's state; reports a new episode. */
async function apply(watcher: Watcher, entry: WatchedTrigger, evaluation: TriggerEvaluation, at: number, samples?: number): Promise<void> {
  Object.assign(entry, { evaluatedAt: iso(at), fired: evaluation.fired, reason: evaluation.reason, heldFor: evaluation.heldFor ?? 0 });
  entry.value = evaluation.value;
  entry.since = evaluation.since === undefined ? undefined : iso(evaluation.since);
  entry.error = undefined;
  const step = nextEpisode(entry.episode, evaluation, at);
  if (step.kind === 'new') {
    entry.episode = step.episode;
    await report(watcher, entry, evaluation, samples);
  } else if (step.kind === 'cleared') {
    entry.episode = undefined;
    watcher.record('trigger cleared', `${entry.trigger}: ${evaluation.reason}`);
  }
}

/** One run of a health trigger's check: ok, failed, or could not run (an Error, not a failure). */
async function runHealthCheck(watcher: Watcher, trigger: HealthTrigger): Promise<{ ok: boolean } | { error: string }> {
  const check = watcher.plan.checks[trigger.condition.check];
  if (!check) return { error: `no check named ${trigger.condition.check}` };
  const activities = readers(watcher.intervalMs);
  try {
    if (check.type === 'http') {
      const probe: HttpProbeResult = await activities.httpCheck.executeWithOptions({ summary: `${trigger.name}: GET ${check.url}` }, [
        { url: check.url, expectStatus: check.expectStatus, timeoutMs: parseDuration(check.timeout) },
      ]);
      return { ok: probe.ok };
    }
    const outcome = await activities.runCheck.executeWithOptions({ summary: `${trigger.name}: check ${trigger.condition.check}` }, [
      { name: trigger.condition.check, check, dryRun: false, adapters: watcher.plan.adapters },
    ]);
    return outcome.verdict === 'error' ? { error: outcome.record.summary } : { ok: outcome.verdict === 'passed' };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Keeps the results a health evaluation needs: the failing run's first one and the latest. */
function keep(results: CheckSample[]): CheckSample[] {
  if (results.length <= MAX_RESULTS) return results;
  let start = results.length;
  while (start > 0 && !results[start - 1].ok) start--;
  const latest = results.slice(-MAX_RESULTS);
  return start < results.length - MAX_RESULTS ? [results[start], ...latest] : latest;
}

/** Counts a tick whose readings could not all be made; pages the first escalation role once the plan's time has passed. */
function countErrors(watcher: Watcher, errors: string[]): void {
  const now = workflowNow();
  if (errors.length === 0) {
    if (watcher.errors.since) watcher.record('readable again', `after ${formatDuration(Date.parse(now) - Date.parse(watcher.errors.since))}`);
    watcher.errors = { count: watcher.errors.count };
    return;
  }
  const first = watcher.errors.since === undefined;
  watcher.errors = { ...watcher.errors, count: watcher.errors.count + 1, since: watcher.errors.since ?? now, last: errors.join('; ') };
  if (first) watcher.record('cannot read', `${errors.join('; ')} (an error, not a breach: nothing rolls back for it)`);
  const errorAfter = parseDuration(watcher.plan.watch?.errorAfter ?? '2m');
  const unreadableFor = Date.parse(now) - Date.parse(watcher.errors.since!);
  if (watcher.errors.pagedAt || unreadableFor < errorAfter) return;
  watcher.errors.pagedAt = now;
  page(watcher, `cannot read its triggers for ${formatDuration(unreadableFor)}: ${watcher.errors.last}`);
}

/** Tells the plan's first escalation role, in its channel and on its pager, beside the loop. */
function page(watcher: Watcher, problem: string): void {
  const plan = watcher.plan;
  const { watchId, service, environment } = watcher.input;
  const roles = plan.authority.escalation[0]?.roles ?? [];
  const people = peopleInRoles(plan, roles)
    .map((p) => `<@${p}>`)
    .join(' ');
  const text = `${people ? `${people} ` : ''}:warning: watching ${plan.name}/${service} (${environment}) ${problem}. Nothing is rolled back while it cannot read them.`;
  const targets: NotifierTarget[] = [channelTarget(plan), pagerTarget(plan, watchId)].filter((t): t is NotifierTarget => t !== undefined);
  watcher.record('paging', `${roles.join(', ') || 'nobody (the plan has no escalation)'}: ${problem}`);
  const activities = notificationsWithin(plan.notifications.delivery);
  for (const to of targets) {
    watcher.pending++;
    scheduleNotice(activities, true, 'Watch cannot read', to, { event: 'trigger', text })
      .then((d) => watcher.record(d.sent ? `paged (${to.notifier})` : `page skipped (${to.notifier})`, d.reason))
      .catch((err: Error) => watcher.record(`page failed (${to.notifier})`, err.message))
      .finally(() => watcher.pending--);
  }
}

async function tick(watcher: Watcher): Promise<void> {
  watcher.ticks++;
  const triggers = watchedTriggers(watcher.plan);
  const metric = triggers.filter((t): t is MetricTrigger => t.kind === 'metric');
  const health = triggers.filter((t): t is HealthTrigger => t.kind === 'health');
  const errors: string[] = [];
  // Holds under way, not yet fired: read from their start, however long ago the last tick was.
  const heldSince = Object.fromEntries(watcher.triggers.filter((t) => t.since && !t.episode).map((t) => [t.trigger, Date.parse(t.since!)]));
  const readings: TriggerReading[] = metric.length
    ? await readers(watcher.intervalMs).evaluateWatchedTriggers.executeWithOptions({ summary: `${metric.length} metric trigger(s)` }, [
        { adapters: watcher.plan.adapters, triggers: metric, intervalMs: watcher.intervalMs, heldSince },
      ])
    : [];
  for (const reading of readings) {
    const entry = watcher.entry(reading.trigger, 'metric');
    if (reading.evaluation) {
      await apply(watcher, entry, reading.evaluation, reading.at, reading.samples);
    } else {
      Object.assign(entry, { evaluatedAt: iso(reading.at), error: reading.error });
      errors.push(`${reading.trigger}: ${reading.error}`);
    }
  }
  for (const trigger of health) {
    const entry = watcher.entry(trigger.name, 'health');
    const result = await runHealthCheck(watcher, trigger);
    const at = Date.parse(workflowNow());
    if ('error' in result) {
      Object.assign(entry, { evaluatedAt: iso(at), error: result.error });
      errors.push(`${trigger.name}: ${result.error}`);
      continue;
    }
    entry.results = keep([...(entry.results ?? []), { at, ok: result.ok }]);
    await apply(watcher, entry, evaluateTrigger(trigger, { results: entry.results }), at);
  }
  countErrors(watcher, errors);
}

export async function watchWorkflow(input: WatchInput): Promise<WatchView> {
  const watcher = new Watcher(input);
  setHandler(watchQuery, () => watcher.view());
  setHandler(stopWatchSignal, ({ reason }) => {
    watcher.stopping = reason;
  });
  setHandler(watchPlanSignal, (plan) => {
    if (JSON.stringify(plan) === JSON.stringify(watcher.plan)) return;
    watcher.plan = plan;
    watcher.record('plan updated', `${plan.name}: every ${plan.watch?.interval ?? '5s'}`);
  });
  if (!input.memory) watcher.record('watching', `${input.plan.name}/${input.service} (${input.environment}) every ${watcher.view().interval}`);

  while (watcher.stopping === undefined && watcher.plan.watch?.enabled !== false) {
    const started = Date.parse(workflowNow());
    await tick(watcher);
    // Ticks start every interval, however long a tick's reads took (at least a millisecond apart).
    const rest = Math.max(1, watcher.intervalMs - (Date.parse(workflowNow()) - started));
    if (await condition(() => watcher.stopping !== undefined, rest)) break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT) {
      await condition(() => watcher.pending === 0 && allHandlersFinished());
      await continueAsNew<typeof watchWorkflow>({ ...input, plan: watcher.plan, memory: watcher.memory() });
    }
  }
  watcher.record('stopped', watcher.stopping ?? 'the plan turned watching off');
  await condition(() => watcher.pending === 0 && allHandlersFinished());
  return watcher.view();
}
