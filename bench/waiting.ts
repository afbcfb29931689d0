// Waiting incidents: W runs (one per service) wait in a decision window whose default is
// a rollback with one flag step. Measures how fast they start, then how late after its own
// deadline (`pendingApproval.deadline` in the run's status) each default was decided
// (`decision.at` in the run's record) and the flag step finished.
import { writeFlagFile } from '../src/adapters/fileFlagStore';
import { parsePlan } from '../src/validation/parse';
import { recordQuery, statusQuery, type DeskView } from '../src/workflows/messages';
import { envNumber, historyPhases, inParallel, round, sleep, summary, watchMachine } from './measure';
import { newEpisode, startWorld } from './world';

export async function waiting() {
  const incidents = envNumber('BENCH_WAITING_INCIDENTS', 200);
  const windowSeconds = envNumber('BENCH_WAITING_WINDOW_S', 60);
  const inFlight = envNumber('BENCH_WAITING_IN_FLIGHT', 50);
  const world = await startWorld('waiting');
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
checks: { health: { type: command, command: "true" } }
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
    // A run has started once its desk names it and it asks (its deadline is set).
    const deadlines = new Map<string, string>();
    // A worker this busy may not answer a query in time; that is counted, then asked again.
    let queryTimeouts = 0;
    const patiently = async <T>(ask: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await ask();
        } catch (err) {
          if (!/query timed out/.test(String((err as Error).cause ?? err))) throw err;
          queryTimeouts++;
        }
      }
    };
    await inParallel(names, 10, async (service) => {
      let view: DeskView = await patiently(() => world.desk(plan, service));
      while (!view.runs[0]) view = (await sleep(100), await patiently(() => world.desk(plan, service)));
      const run = world.client.workflow.getHandle(view.runs[0].incidentId);
      let status = await patiently(() => run.query(statusQuery));
      while (!status.pendingApproval && !status.decision) status = (await sleep(100), await patiently(() => run.query(statusQuery)));
      if (!status.pendingApproval) throw new Error(`${run.workflowId} decided before its window was seen: widen BENCH_WAITING_WINDOW_S`);
      deadlines.set(run.workflowId, status.pendingApproval.deadline);
    });
    const allAskingSeconds = (performance.now() - started) / 1000;
    // From here on the runs only wait, then their defaults fall due: who is busy then.
    const duringDecisions = watchMachine({ worker: world.workerPid, temporalServer: world.serverPid });
    const decidedLateMs: number[] = [];
    const flagOffLateMs: number[] = [];
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    const phases: Record<string, number[]> = {};
    await inParallel([...deadlines], 10, async ([id, deadline]) => {
      const run = world.client.workflow.getHandle(id);
      const result = await run.result();
      outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      const record = await patiently(() => run.query(recordQuery));
      for (const [phase, ms] of Object.entries(historyPhases((await run.fetchHistory()).events ?? []))) (phases[phase] ??= []).push(...ms);
      const due = Date.parse(deadline);
      if (record.decision) decidedLateMs.push(Date.parse(record.decision.at) - due);
      const flag = record.steps.find((s) => s.type === 'flag.disable');
      if (flag?.ok) flagOffLateMs.push(Date.parse(flag.endedAt) - due);
      else failures.push(`${id}: ${flag?.summary ?? 'no flag step'}`);
    });
    return {
      sizes: { incidents, windowSeconds, inFlight },
      acceptedPerSecond: round(incidents / acceptedSeconds),
      startedPerSecond: round(incidents / allAskingSeconds),
      decidedAfterDeadlineMs: summary(decidedLateMs),
      flagOffAfterDeadlineMs: summary(flagOffLateMs),
      // Where the time after the deadline went, from the runs' histories.
      historyPhasesMs: Object.fromEntries(Object.entries(phases).map(([phase, ms]) => [phase, summary(ms)])),
      outcomes,
      flagStepFailures: { count: failures.length, first: failures.slice(0, 3) },
      queryTimeouts,
      machineDuringDecisions: duringDecisions.stop(),
      machine: machine.stop(),
    };
  } finally {
    await world.close();
  }
}
