// The Alertmanager path from a breach to a rollback, on real parts: the demo world
// (test/support/demoWorld.ts) whose Prometheus loads the rules `rollback plan rules` writes
// for a plan and evaluates them every second, and a real Alertmanager whose webhook receiver
// is our API, authenticated with its bearer token as README "Routing through Alertmanager"
// shows. Used by the end-to-end test and the bench's `alertmanagerToAction`.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusMetrics } from '../../src/adapters/metrics/prometheus';
import { prometheusRuleFile } from '../../src/plan/prometheusRules';
import type { Plan, MetricTrigger } from '../../src/plan/schema';
import { parseDuration } from '../../src/plan/duration';
import { evaluateTrigger } from '../../src/policy/triggers';
import { seedPlan, type PlanDocument } from '../integration/seeds/seedPlan';
import { startDemoWorld, type DemoWorld, type DemoWorldOptions } from './demoWorld';
import { startAlertmanager, type AlertmanagerServer } from './servers';
import { tempDir } from './servers/process';

/** Alertmanager's timings on this path: short, so that the path is bounded by the rule's hold window. */
export const ALERTMANAGER_TIMINGS = { groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' } as const;
/** What test/support/servers/prometheus.ts configures. */
export const PROMETHEUS_TIMINGS = { scrapeInterval: '1s', evaluationInterval: '1s' } as const;

export interface AlertChainOptions {
  /** The plan whose rules Prometheus loads (its adapters do not matter to the rules). */
  plan: Plan;
  service: string;
  /** The API's base URL and an `alerts:write` token for it. */
  apiUrl: string;
  token: string;
  world: Omit<DemoWorldOptions, 'prometheus'>;
}

export interface AlertChain {
  world: DemoWorld;
  alertmanager: AlertmanagerServer;
  ruleFile: string;
  stop(): Promise<void>;
}

function alertmanagerConfig(apiUrl: string, tokenFile: string): string {
  const t = ALERTMANAGER_TIMINGS;
  return `route:
  receiver: rollback-orchestrator
  group_by: [alertname, rollback_plan, service]
  group_wait: ${t.groupWait}
  group_interval: ${t.groupInterval}
  repeat_interval: ${t.repeatInterval}
receivers:
  - name: rollback-orchestrator
    webhook_configs:
      - url: ${apiUrl}/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: ${tokenFile}
`;
}

export async function startAlertChain(options: AlertChainOptions): Promise<AlertChain> {
  const rulesDir = tempDir('rules');
  const ruleFile = join(rulesDir, `${options.plan.name}.rules.yaml`);
  writeFileSync(ruleFile, prometheusRuleFile(options.plan, { service: options.service }));
  const alertmanager = await startAlertmanager({
    config: (dir) => {
      const tokenFile = join(dir, 'api-token');
      writeFileSync(tokenFile, options.token, { mode: 0o600 });
      return alertmanagerConfig(options.apiUrl, tokenFile);
    },
  });
  try {
    const world = await startDemoWorld({ ...options.world, prometheus: { ruleFiles: [ruleFile], alertmanager: `127.0.0.1:${alertmanager.port}` } });
    return {
      world,
      alertmanager,
      ruleFile,
      stop: async () => {
        await Promise.all([world.stop(), alertmanager.stop()]);
        rmSync(rulesDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await alertmanager.stop();
    rmSync(rulesDir, { recursive: true, force: true });
    throw error;
  }
}

export const LENS_SERVICE = 'lens-search';
export const LENS_TRIGGER = 'ErrorRateCritical';

export interface LensWorld {
  /** nginx's URL: the smoke check asks it who answers. */
  nginxUrl: string;
  traffic: DemoWorld['traffic'];
  flags: string;
  dir: string;
}

/**
 * Seed 002's plan (plans/lens-sprint1-canary.yaml) as this chain runs it: its own triggers,
 * decision table and level, with the world patched as the other seed tests patch it — a
 * name of its own, the hold window in seconds, the seed's CLIs replaced by the adapters that
 * exist here (nginx, the flag store) or by local stand-ins, and a smoke check through nginx
 * instead of the canary's metrics, which the demo does not have. Without `world`, the plan
 * the rule file is written from (rules do not depend on adapters).
 */
export function lensPlan(name: string, holdWindow: string, world?: LensWorld): Plan {
  return seedPlan('lens-sprint1-canary', (doc: PlanDocument) => {
    doc.name = name;
    const trigger = doc.triggers.find((t) => t.name === LENS_TRIGGER);
    if (trigger?.kind !== 'metric') throw new Error(`the seed's ${LENS_TRIGGER} is not a metric trigger`);
    trigger.condition.for = holdWindow;
    for (const step of doc.levels[0].steps) {
      // Without the world's adapters the seed's own CLIs stay: the rules do not read steps.
      if (world && ['traffic.shift', 'flag.disable'].includes(step.type)) delete step.command;
      if (step.type === 'service.stop') step.command = 'echo stopped > hedging-service.state';
      if (step.command === 'config-update --disable-early-stop') step.command = 'echo early_stop=disabled > ta-nra.conf';
      if (step.type === 'cache.flush') step.command = 'echo flushed > configuration-cache.state';
    }
    doc.levels[0].checks = ['smoke'];
    doc.checks = {
      ...doc.checks,
      smoke: { type: 'command', command: `test "$(curl -sf ${world?.nginxUrl ?? 'http://127.0.0.1:9'}/)" = stable`, timeout: '10s' },
    };
    doc.verification = { settle: '0s' };
    doc.monitoring = { ...doc.monitoring, cycles: 1, interval: '1s', checks: ['smoke'] };
    if (world) {
      doc.adapters = { flags: { type: 'file', path: world.flags }, commands: { cwd: world.dir }, traffic: world.traffic };
    }
  });
}

/**
 * When the trigger's condition had held for its window, from Prometheus's own data: the
 * trigger's query evaluated every 100 ms over [from, to] (each value changes only with a
 * scrape, so this finds the scrape that showed the breach), then the plan's evaluation
 * (src/policy/triggers.ts) says since when it holds; the window is complete `for` later.
 */
export async function windowCompletedAt(
  prometheusUrl: string,
  trigger: MetricTrigger,
  from: number,
  to: number,
): Promise<{ since: number; completedAt: number }> {
  const series = await new PrometheusMetrics({ url: prometheusUrl }).range(trigger.condition.query ?? trigger.condition.metric, {
    start: from,
    end: to,
    stepMs: 100,
  });
  const samples = series.flatMap((s) => s.points);
  const evaluation = evaluateTrigger(trigger, { samples });
  if (evaluation.since === undefined)
    throw new Error(`${trigger.name} did not hold between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}: ${evaluation.reason}`);
  return { since: evaluation.since, completedAt: evaluation.since + parseDuration(trigger.condition.for ?? '0s') };
}
