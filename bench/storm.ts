// Storm: N Alertmanager webhooks for S services (each service's alert repeated R times),
// in random order, C in flight, through the API. The plan asks people with a long window,
// so each service's run stays open and every repeat must land on it: exactly S runs, and
// every webhook counted by a desk or joined by the API to an identical delivery (none lost).
import { parsePlan } from '../src/validation/parse';
import { envNumber, inParallel, round, sleep, summary, watchMachine } from './measure';
import { newEpisode, startWorld } from './world';

export async function storm() {
  const services = envNumber('BENCH_STORM_SERVICES', 100);
  const repeats = envNumber('BENCH_STORM_REPEATS', 100);
  const inFlight = envNumber('BENCH_STORM_IN_FLIGHT', 50);
  const world = await startWorld('storm');
  try {
    const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
    const plan = parsePlan(
      `
apiVersion: rollback-orchestrator/v1
name: bench-storm-${world.id}
targets: { services: [${names.map((n) => `{ name: ${n} }`).join(', ')}] }
triggers: [{ name: ServiceDown, kind: health, condition: { check: health, consecutiveFailures: 1 } }]
decisions: [{ name: main, triggers: [ServiceDown], rules: [{ outcome: { action: ask, window: 1h, default: hold, approvers: [oncall] } }] }]
authority: { roles: { oncall: { members: [U0ONCALL001] } }, decide: [{ roles: [oncall] }] }
levels: [{ level: 1, name: kill switch, steps: [{ type: flag.disable, flag: new_checkout }], checks: [health] }]
checks: { health: { type: command, command: "true" } }
adapters: { flags: { type: file, path: ${JSON.stringify(world.flags)} } }
`,
      'bench-storm.yaml',
    );
    const app = world.api([plan]);
    const episodes = new Map(names.map((n) => [n, newEpisode()]));
    const webhooks = names.flatMap((n) => Array.from({ length: repeats }, () => n));
    shuffle(webhooks);
    const latency: number[] = [];
    const refused: Record<string, number> = {};
    /** Per service: webhooks the API joined to an identical delivery instead of signalling the desk. */
    const coalesced = new Map(names.map((n) => [n, 0]));
    const machine = watchMachine({ worker: world.workerPid, temporalServer: world.serverPid });
    const started = performance.now();
    await inParallel(webhooks, inFlight, async (service) => {
      const t = performance.now();
      const answer = await world.alert(app, { alertname: 'ServiceDown', service }, episodes.get(service)!);
      const status = answer.status;
      latency.push(performance.now() - t);
      if (answer.coalesced) coalesced.set(service, coalesced.get(service)! + 1);
      if (status !== 202) refused[status] = (refused[status] ?? 0) + 1;
    });
    const seconds = (performance.now() - started) / 1000;
    // The desks take signals after the API answered: wait until each has counted its own.
    const deadline = Date.now() + 120_000;
    let views = await Promise.all(names.map((n) => world.desk(plan, n)));
    const heard = (v: { service: string; received: number }) => v.received + coalesced.get(v.service)!;
    while (views.some((v) => heard(v) < repeats || v.inbox > 0 || v.runs.length === 0) && Date.now() < deadline) {
      await sleep(500);
      views = await Promise.all(names.map((n) => world.desk(plan, n)));
    }
    const received = views.reduce((sum, v) => sum + v.received, 0);
    const joined = [...coalesced.values()].reduce((a, b) => a + b, 0);
    return {
      sizes: { webhooks: webhooks.length, services, repeats, inFlight },
      acceptedPerSecond: round(webhooks.length / seconds),
      webhookMs: summary(latency),
      refused,
      runsOpened: views.reduce((sum, v) => sum + v.runs.length, 0),
      expectedRuns: services,
      signalled: received,
      coalesced: joined,
      lost: webhooks.length - received - joined,
      settledAfterMs: round(performance.now() - started - seconds * 1000),
      machine: machine.stop(),
    };
  } finally {
    await world.close();
  }
}

/** Fisher–Yates; the order only has to be mixed, not reproducible. */
function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
