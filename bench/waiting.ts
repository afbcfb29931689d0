// Waiting incidents: W runs (one per service) wait in a decision window whose default is
// a rollback with one flag step. Measures how fast they start, then how late after its own
// deadline (`pendingApproval.deadline` in the run's status) each default was decided
// (`decision.at` in the run's result) and the flag step finished (its activity completed).
import { readFlagFile, writeFlagFile } from '../src/adapters/fileFlagStore';
import { parsePlan } from '../src/validation/parse';
import { statusQuery, type RollbackWorkflow } from '../src/workflows/messages';
import { envNumber, eventMs, historyPhases, inParallel, round, sleep, summary, watchMachine } from './measure';
import { healthEndpoint, newEpisode, startWorld } from './world';

export async function waiting() {
  const incidents = envNumber('BENCH_WAITING_INCIDENTS', 1000);
  const windowSeconds = envNumber('BENCH_WAITING_WINDOW_S', 90);
  const inFlight = envNumber('BENCH_WAITING_IN_FLIGHT', 50);
  const world = await startWorld('waiting');
  // Verification asks a health endpoint (HTTP, as most plans do): a command check would start
  // a process per run, which the worker pays for while fork copies its page tables.
  const health = await healthEndpoint();
  try {
    const names = Array.from({ length: incidents }, (_, i) => `svc-${i}`);
    const plan = parsePlan(
      `
apiVersion: rollback-orchestrator/v1
name: bench-waiting-${world.id}
targets: { services: [${names.map((n) => `{ name: ${n} }`).join(', ')}] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: ask, window: ${windowSeconds}s, default: rollback, approvers: [oncall], level: 1 } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ roles: [oncall] }] }
levels: [{ level: 1, name: kill switch, steps: [{ type: flag.disable, flag: new_checkout }], checks: [health] }]
checks: { health: { type: http, url: ${JSON.stringify(health.url)}, attempts: 1 } }
adapters: { flags: { type: file, path: ${JSON.stringify(world.flags)} } }
`,
      'bench-waiting.yaml',
    );
    await writeFlagFile(world.flags, { flags: { new_checkout: { enabled: true } } });
    const app = world.api([plan]);
    const machine = watchMachine({ worker: world.workerPid, temporalServer: world.serverPid });
    const started = performance.now();
    await inParallel(names, inFlight, async (service) => {
      const { status } = await world.alert(app, { alertname: 'ServiceDown', service }, newEpisode());
      if (status !== 202) throw new Error(`alert for ${service} refused: ${status}`);
    });
    const acceptedSeconds = (performance.now() - started) / 1000;
    // A run has started once it asks (stage "decide"). Watched through visibility, not by
    // querying each run: queries are workflow tasks too, and would compete with what we measure.
    const asking = `WorkflowType = 'rollbackWorkflow' AND RollbackPlan = '${plan.name}' AND RollbackStage = 'decide'`;
    while ((await world.client.workflow.count(asking)).count < incidents) await sleep(250);
    const allAskingSeconds = (performance.now() - started) / 1000;
    // Each run's own deadline, asked once.
    const deadlines = new Map<string, string>();
    const runs: string[] = [];
    for await (const run of world.client.workflow.list({ query: asking })) runs.push(run.workflowId);
    await inParallel(runs, 10, async (id) => {
      const status = await world.client.workflow.getHandle(id).query(statusQuery);
      if (!status.pendingApproval) throw new Error(`${id} decided before its deadline was read: widen BENCH_WAITING_WINDOW_S`);
      deadlines.set(id, status.pendingApproval.deadline);
    });
    // From here on the runs only wait, then their defaults fall due: who is busy then.
    const duringDecisions = watchMachine({ worker: world.workerPid, temporalServer: world.serverPid });
    const decidedLateMs: number[] = [];
    const flagOffLateMs: number[] = [];
    const outcomes: Record<string, number> = {};
    const phases: Record<string, number[]> = {};
    await inParallel([...deadlines], 10, async ([id, deadline]) => {
      const run = world.client.workflow.getHandle<RollbackWorkflow>(id);
      const result = await run.result();
      outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      const due = Date.parse(deadline);
      if (result.decision) decidedLateMs.push(Date.parse(result.decision.at) - due);
      const events = (await run.fetchHistory()).events ?? [];
      // The plan's one step is the flag step: done when its activity completed on the server.
      const flagStep = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runStep')?.eventId;
      const flagDone = events.find(
        (e) => e.activityTaskCompletedEventAttributes && Number(e.activityTaskCompletedEventAttributes.scheduledEventId) === Number(flagStep),
      );
      if (flagDone) flagOffLateMs.push(eventMs(flagDone) - due);
      for (const [phase, ms] of Object.entries(historyPhases(events))) (phases[phase] ??= []).push(...ms);
    });
    const flagAfter = (await readFlagFile(world.flags)).flags.new_checkout?.enabled;
    return {
      sizes: { incidents, windowSeconds, inFlight },
      acceptedPerSecond: round(incidents / acceptedSeconds),
      startedPerSecond: round(incidents / allAskingSeconds),
      decidedAfterDeadlineMs: summary(decidedLateMs),
      flagOffAfterDeadlineMs: summary(flagOffLateMs),
      // Where the time after the deadline went, from the runs' histories.
      historyPhasesMs: Object.fromEntries(Object.entries(phases).map(([phase, ms]) => [phase, summary(ms)])),
      outcomes,
      flagEnabledAtEnd: flagAfter,
      machineDuringDecisions: duringDecisions.stop(),
      machine: machine.stop(),
    };
  } finally {
    health.close();
    await world.close();
  }
}
