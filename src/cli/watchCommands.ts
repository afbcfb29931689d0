// `rollback watch start|stop|status [--plan]`: the plans' own watching of their triggers
// (src/workflows/watch.ts). Without --plan, every plan in PLANS_DIR that turns watching on.
import { Command } from 'commander';
import { formatDuration } from '../plan/duration';
import type { Plan } from '../plan/schema';
import { startWatching, stopWatching, watchStatus } from '../incidents/watch';
import { loadPlanDirectory } from '../validation/files';
import type { WatchView } from '../workflows/messages';
import { INCIDENT_EXIT, type IncidentCommandDeps, plansDir, resolvePlan, withTemporal } from './incidentCommands';
import { CliExit, type CliIo } from './io';

interface WatchOptions {
  plan?: string;
  json?: boolean;
}

/** The plan named, or every plan in PLANS_DIR with a watch section. */
function plansFor(deps: IncidentCommandDeps, options: WatchOptions): Plan[] {
  if (options.plan) return [resolvePlan(options.plan, deps)];
  const dir = plansDir(deps);
  try {
    return [...loadPlanDirectory(dir).values()].filter((p) => p.watch);
  } catch (error) {
    throw new CliExit(INCIDENT_EXIT.refused, `cannot load the plans in ${dir}: ${(error as Error).message}`);
  }
}

export function formatWatch(view: WatchView): string {
  const lines = [
    `watcher   ${view.watchId}   every ${view.interval}   ${view.ticks} ticks${view.stopping ? '   (stopping)' : ''}`,
    `plan      ${view.plan}   service ${view.service}   environment ${view.environment}`,
  ];
  if (view.errors.since)
    lines.push(`ERROR     cannot read since ${view.errors.since}${view.errors.pagedAt ? `, paged at ${view.errors.pagedAt}` : ''}: ${view.errors.last}`);
  lines.push('triggers');
  for (const t of view.triggers) {
    const value = t.value === undefined ? '—' : String(t.value);
    const held = t.heldFor ? formatDuration(t.heldFor) : '—';
    const state = t.error ? `error: ${t.error}` : t.episode ? `FIRED → ${t.incidents.at(-1) ?? '?'}` : t.fired ? 'firing' : 'ok';
    lines.push(`  ${t.trigger.padEnd(24)} value ${value.padEnd(22)} held ${held.padEnd(8)} evaluated ${t.evaluatedAt ?? '—'}   ${state}`);
  }
  return lines.join('\n') + '\n';
}

async function watchStart(io: CliIo, deps: IncidentCommandDeps, options: WatchOptions): Promise<number> {
  const plans = plansFor(deps, options);
  const off = plans.filter((p) => !p.watch?.enabled);
  if (options.plan && off.length) throw new CliExit(INCIDENT_EXIT.refused, `plan ${off[0].name} does not turn watching on (add a watch section)`);
  const started = await withTemporal(deps, async ({ client, taskQueue }) => {
    const all = [];
    for (const plan of plans.filter((p) => p.watch?.enabled))
      all.push(...(await startWatching(client, taskQueue, plan)).map((t) => ({ plan: plan.name, ...t })));
    return all;
  });
  if (options.json) io.out(JSON.stringify(started, null, 2) + '\n');
  else if (started.length === 0) io.out('no plan turns watching on\n');
  else for (const t of started) io.out(`watching ${t.plan}/${t.service} (${t.environment}): ${t.watchId}\n`);
  return INCIDENT_EXIT.ok;
}

async function watchStop(io: CliIo, deps: IncidentCommandDeps, options: WatchOptions & { reason: string }): Promise<number> {
  const plans = plansFor(deps, options);
  const stopped = await withTemporal(deps, async ({ client }) => {
    const all: string[] = [];
    for (const plan of plans) all.push(...(await stopWatching(client, plan, options.reason)));
    return all;
  });
  if (options.json) io.out(JSON.stringify(stopped, null, 2) + '\n');
  else if (stopped.length === 0) io.out('no watcher was running\n');
  else for (const id of stopped) io.out(`stopping ${id}\n`);
  return INCIDENT_EXIT.ok;
}

async function watchStatusCommand(io: CliIo, deps: IncidentCommandDeps, options: WatchOptions): Promise<number> {
  const plans = plansFor(deps, options);
  const views = await withTemporal(deps, async ({ client }) => {
    const all: WatchView[] = [];
    for (const plan of plans) all.push(...(await watchStatus(client, plan)));
    return all;
  });
  if (options.json) io.out(JSON.stringify(views, null, 2) + '\n');
  else if (views.length === 0) io.out('no watcher is running\n');
  else io.out(views.map(formatWatch).join('\n'));
  return INCIDENT_EXIT.ok;
}

export function watchCommand(io: CliIo, setExit: (code: number) => void, deps: IncidentCommandDeps = {}): Command {
  const done = (p: Promise<number>) => p.then(setExit);
  const planOption = ['--plan <file|name>', 'plan file (YAML) or the name of a plan in PLANS_DIR (default: every plan there that watches)'] as const;
  return new Command('watch')
    .description("the plans' own watching of their metric and health triggers")
    .addCommand(
      new Command('start')
        .description('start watching (or hand a running watcher the plan as it is now)')
        .option(...planOption)
        .option('--json', 'print the watchers as JSON')
        .action((options: WatchOptions) => done(watchStart(io, deps, options))),
    )
    .addCommand(
      new Command('stop')
        .description('stop watching; the watcher ends after the tick under way')
        .option(...planOption)
        .option('--reason <text>', 'why', 'stopped from the CLI')
        .option('--json', 'print the watchers stopped as JSON')
        .action((options: WatchOptions & { reason: string }) => done(watchStop(io, deps, options))),
    )
    .addCommand(
      new Command('status')
        .description("each trigger's last value, how long it has held, and when it was last evaluated")
        .option(...planOption)
        .option('--json', 'print the watchers as JSON')
        .action((options: WatchOptions) => done(watchStatusCommand(io, deps, options))),
    );
}
