// `rollback start|drill|approve|reject|status|report`: incidents from the command line.
// start, drill, status and report talk to Temporal with the worker's and the API's settings;
// approve and reject go through the API with the caller's own token (see apiClient.ts).
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { Command, Option } from 'commander';
import { connectionOptions, ConfigError, readConfig, TemporalEnv } from '../config';
import { deliverAlert, startIncident } from '../incidents/start';
import { incidentRecord, planOfRun, incidentStatus, UnknownIncidentError } from '../incidents/runs';
import { temporalUnavailable } from '../incidents/unavailable';
import { DEFAULT_PLANS_DIR, loadPlanDirectory, loadPlanFile } from '../validation/files';
import { formatIssue, PlanError } from '../validation/parse';
import type { Plan } from '../plan/schema';
import { buildReport, renderMarkdown } from '../report';
import { type AlertNotification, type IncidentContext, type IncidentStatus, OUTCOME_TEXT, type Verdict } from '../workflows/messages';
import { apiFromEnv, postJson, refusalReason } from './apiClient';
import { addContextOptions, type ContextOptions, contextFromOptions } from './contextOptions';
import { CliExit, EXIT, type CliIo } from './io';

/** Exit codes of the incident commands: 0 done, 1 refused or failed, 2 wrong command line, 3 Temporal or the API unreachable. */
export const INCIDENT_EXIT = { ok: EXIT.ok, refused: 1, usage: EXIT.usage, unreachable: EXIT.unreachable } as const;

const CONNECT_TIMEOUT_MS = 5000;

export interface TemporalSession {
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

export interface IncidentCommandDeps {
  /** Opens a Temporal client; by default from TEMPORAL_* (as the worker and the API). */
  connect?: () => Promise<TemporalSession>;
  /** Where `--plan <name>` is looked up; by default PLANS_DIR or plans/. */
  plansDir?: string;
  /** Wall clock, for alert times and generated incident ids. */
  now?: () => Date;
  /** Where approve/reject find the API and the caller's token; by default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long `drill` waits for the worker's preflight to be recorded. */
  preflightWaitMs?: number;
}

export async function connectFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<TemporalSession> {
  let config;
  try {
    config = readConfig(TemporalEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliExit(INCIDENT_EXIT.usage, error.message);
    throw error;
  }
  let connection: Connection;
  try {
    // Not the SDK's 10 s: a person at a terminal hears soon that Temporal is not there (exit 3).
    connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (error) {
    throw new CliExit(INCIDENT_EXIT.unreachable, `cannot reach Temporal at ${config.TEMPORAL_ADDRESS}: ${(error as Error).message}`);
  }
  return {
    client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    close: () => connection.close(),
  };
}

export function plansDir(deps: IncidentCommandDeps): string {
  return deps.plansDir ?? process.env.PLANS_DIR ?? DEFAULT_PLANS_DIR;
}

function loadedPlans(deps: IncidentCommandDeps): ReadonlyMap<string, Plan> {
  try {
    return loadPlanDirectory(plansDir(deps));
  } catch {
    return new Map();
  }
}

/** `--plan` is a file when one exists at that path (or it ends in .yaml/.yml), else a plan name. */
export function resolvePlan(ref: string, deps: IncidentCommandDeps): Plan {
  if (existsSync(ref) || /\.ya?ml$/.test(ref)) {
    try {
      return loadPlanFile(ref);
    } catch (error) {
      if (error instanceof PlanError) {
        throw new CliExit(
          INCIDENT_EXIT.refused,
          `${ref} is not a valid plan:\n${error.issues.map((i) => `  ${ref}:${i.line ?? 1}: ${formatIssue({ ...i, line: undefined })}`).join('\n')}`,
        );
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code) throw new CliExit(INCIDENT_EXIT.usage, `cannot read ${ref} (${code})`);
      throw error;
    }
  }
  const dir = plansDir(deps);
  let plans: Map<string, Plan>;
  try {
    plans = loadPlanDirectory(dir);
  } catch (error) {
    throw new CliExit(INCIDENT_EXIT.refused, `cannot load the plans in ${dir}: ${(error as Error).message}`);
  }
  const plan = plans.get(ref);
  if (!plan) throw new CliExit(INCIDENT_EXIT.usage, `no plan "${ref}" in ${dir}; known: ${[...plans.keys()].join(', ') || '(none)'}`);
  return plan;
}

interface StartOptions extends ContextOptions {
  plan: string;
  service?: string;
  trigger?: string;
  id?: string;
  json?: boolean;
}

function contextOf(plan: Plan, options: ContextOptions): IncidentContext {
  const { phase, severity } = options;
  if (phase !== undefined && plan.rollout && !plan.rollout.phases.includes(phase)) {
    throw new CliExit(INCIDENT_EXIT.usage, `plan ${plan.name} has no phase "${phase}"; its phases: ${plan.rollout.phases.join(', ')}`);
  }
  if (severity !== undefined && plan.severities && !plan.severities.includes(severity)) {
    throw new CliExit(INCIDENT_EXIT.usage, `plan ${plan.name} has no severity "${severity}"; its severities: ${plan.severities.join(', ')}`);
  }
  return contextFromOptions(options);
}

function checkTrigger(plan: Plan, trigger: string): void {
  if (!plan.triggers.some((t) => t.name === trigger)) {
    throw new CliExit(INCIDENT_EXIT.usage, `plan ${plan.name} has no trigger "${trigger}"; its triggers: ${plan.triggers.map((t) => t.name).join(', ')}`);
  }
}

function checkService(plan: Plan, service: string): void {
  if (!plan.targets.services.some((s) => s.name === service)) {
    throw new CliExit(
      INCIDENT_EXIT.usage,
      `plan ${plan.name} has no service "${service}"; its services: ${plan.targets.services.map((s) => s.name).join(', ')}`,
    );
  }
}

const stamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'z')
    .toLowerCase();

export async function withTemporal<T>(deps: IncidentCommandDeps, run: (session: TemporalSession) => Promise<T>): Promise<T> {
  const session = await (deps.connect ?? (() => connectFromEnv(deps.env)))();
  try {
    return await run(session);
  } catch (error) {
    const unavailable = temporalUnavailable(error);
    if (unavailable) throw new CliExit(INCIDENT_EXIT.unreachable, unavailable);
    throw error;
  } finally {
    await session.close();
  }
}

/** The service a drill acts on by default: the first one no other service depends on. */
export function topService(plan: Plan): string {
  const needed = new Set(plan.targets.services.flatMap((s) => s.dependsOn));
  return (plan.targets.services.find((s) => !needed.has(s.name)) ?? plan.targets.services[0]).name;
}

async function start(io: CliIo, deps: IncidentCommandDeps, options: StartOptions, drillName?: string): Promise<number> {
  const plan = resolvePlan(options.plan, deps);
  const drill = drillName === undefined ? undefined : plan.drills.find((d) => d.name === drillName);
  if (drillName !== undefined && !drill) {
    throw new CliExit(
      INCIDENT_EXIT.usage,
      `plan ${plan.name} has no drill "${drillName}"; its drills: ${plan.drills.map((d) => d.name).join(', ') || '(none)'}`,
    );
  }
  const service = options.service ?? topService(plan);
  const trigger = options.trigger ?? plan.triggers[0].name;
  checkService(plan, service);
  checkTrigger(plan, trigger);
  const context = contextOf(plan, options);
  const now = (deps.now ?? (() => new Date()))();
  const incidentId = options.id ?? `drill-${plan.name}-${drill?.name}-${service}-${stamp(now)}`;
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(incidentId))
    throw new CliExit(INCIDENT_EXIT.usage, `--id "${incidentId}" is not an incident id (letters, digits, . _ : -)`);
  const alert: AlertNotification = {
    status: 'firing',
    receivedAt: now.toISOString(),
    labels: { alertname: trigger, service, rollback_plan: plan.name, source: 'cli' },
    annotations: { summary: drill ? `drill ${drill.name} started from the CLI` : 'started from the CLI' },
    ...(options.value !== undefined ? { value: options.value } : {}),
  };
  // A drill runs under its own id; a real start goes to the service desk like an alert (one open run per plan and service).
  const { result, preflight } = await withTemporal(deps, async ({ client, taskQueue }) => {
    if (!drill) return { result: await deliverAlert(client, taskQueue, { plan, service, trigger, context, alert }) };
    const started = await startIncident(client, taskQueue, {
      incidentId,
      plan,
      service,
      trigger,
      context,
      drill: drill.name,
      environment: drill.environment,
      alert,
    });
    return { result: started, preflight: drill.mode === 'live' ? await drillPreflight(client, started.incidentId, deps.preflightWaitMs) : undefined };
  });
  const summary = {
    ...result,
    plan: plan.name,
    service,
    trigger,
    ...(drill ? { drill: drill.name, environment: drill.environment } : {}),
    ...(preflight ? { preflight } : {}),
  };
  if (options.json) io.out(JSON.stringify(summary, null, 2) + '\n');
  else {
    const where = drill ? ` drill ${drill.name} in ${drill.environment} (${drill.mode})` : '';
    io.out(`${result.status} ${result.incidentId}: plan ${plan.name}${where}, service ${service}, trigger ${trigger}\n`);
    if (preflight) io.out(`preflight ${preflight}\n`);
  }
  return INCIDENT_EXIT.ok;
}

/** How long `rollback drill` waits by default for the worker's preflight (src/workflows/drill.ts) before it says it has none. */
const PREFLIGHT_WAIT_MS = 20_000;

/** What the drill's preflight found, as its run recorded it; a drill says it before it acts. */
async function drillPreflight(client: Client, incidentId: string, waitMs = PREFLIGHT_WAIT_MS): Promise<string> {
  const until = Date.now() + waitMs;
  for (;;) {
    // A query waits for a worker: bounded by what is left of the wait, and a timed-out one is "not yet".
    const status = await client.connection.withDeadline(until, () => incidentStatus(client, incidentId)).catch(() => undefined);
    const found = status?.timeline.find((e) => e.event.startsWith('drill preflight'));
    if (found) return [found.event.slice('drill preflight'.length).trim(), found.detail].filter(Boolean).join(': ');
    if (Date.now() > until) return `not reported within ${waitMs / 1000}s (is a worker running?)`;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Through the API, as the person the caller's token belongs to (src/cli/apiClient.ts). */
async function decide(
  io: CliIo,
  deps: IncidentCommandDeps,
  verdict: Verdict,
  incidentId: string,
  options: { reason: string; json?: boolean },
): Promise<number> {
  const api = apiFromEnv(deps.env ?? process.env);
  const answer = await postJson(api, `/v1/incidents/${encodeURIComponent(incidentId)}/decision`, { decision: verdict, reason: options.reason });
  const accepted = answer.status === 202;
  if (options.json) io.out(JSON.stringify({ incidentId, verdict, accepted, ...answer.body }, null, 2) + '\n');
  else if (accepted) io.out(`${verdict} by ${String(answer.body.by)} counted for ${incidentId}\n`);
  else io.err(`${verdict} did not count for ${incidentId} (${answer.status}): ${refusalReason(answer)}\n`);
  return accepted ? INCIDENT_EXIT.ok : INCIDENT_EXIT.refused;
}

export function formatStatus(s: IncidentStatus, now: Date = new Date()): string {
  const lines = [
    `incident  ${s.incidentId}`,
    `plan      ${s.plan}   service ${s.service}   trigger ${s.trigger}`,
    `stage     ${s.stage}${s.level !== undefined ? `   level ${s.level}` : ''}`,
  ];
  if (s.decision) lines.push(`decision  ${s.decision.action} by ${s.decision.by} at ${s.decision.at} — ${s.decision.reason}`);
  if (s.pendingApproval) {
    const p = s.pendingApproval;
    const who = [...p.roles, ...p.people].join(', ');
    // Past its deadline the question is not open any more: its default is due (a worker applies it as soon as one runs).
    if (Date.parse(p.deadline) <= now.getTime()) lines.push(`waiting   for the default: ${who} did not decide by ${p.deadline}, so ${p.default} is due now`);
    else lines.push(`waiting   for ${who} until ${p.deadline} (then ${p.default})`);
  }
  if (s.outcome) lines.push(`outcome   ${s.outcome} (${OUTCOME_TEXT[s.outcome]})`);
  if (s.checks.length) {
    lines.push('checks');
    for (const c of s.checks) lines.push(`  ${c.ok ? 'ok    ' : 'FAILED'} ${c.check} (${c.attempts.length} attempt${c.attempts.length === 1 ? '' : 's'})`);
  }
  // Delivered messages are the rule; the others are what an on-call engineer must know.
  const undelivered = (s.notifications ?? []).filter((n) => n.status !== 'delivered');
  if (undelivered.length) {
    lines.push('notifications');
    for (const n of undelivered) lines.push(`  ${n.status.padEnd(7)} ${n.what} → ${n.to}${n.detail ? ` — ${n.detail}` : ''}`);
  }
  if (s.timeline.length) {
    lines.push('timeline');
    for (const e of s.timeline) lines.push(`  ${e.at}  ${e.event}${e.detail ? ` — ${e.detail}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

async function status(io: CliIo, deps: IncidentCommandDeps, incidentId: string, options: { json?: boolean }): Promise<number> {
  const s = await withTemporal(deps, async ({ client }) => {
    try {
      return await incidentStatus(client, incidentId);
    } catch (error) {
      if (error instanceof UnknownIncidentError) throw new CliExit(INCIDENT_EXIT.refused, error.message);
      throw error;
    }
  });
  io.out(options.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
  return INCIDENT_EXIT.ok;
}

async function report(io: CliIo, deps: IncidentCommandDeps, incidentId: string, options: { format: 'md' | 'json' }): Promise<number> {
  const text = await withTemporal(deps, async ({ client }) => {
    let record;
    try {
      record = await incidentRecord(client, incidentId);
    } catch (error) {
      if (error instanceof UnknownIncidentError) throw new CliExit(INCIDENT_EXIT.refused, error.message);
      throw error;
    }
    const plan = await planOfRun(client, record.incidentId, record.plan, loadedPlans(deps));
    if (!plan) throw new CliExit(INCIDENT_EXIT.refused, `the plan "${record.plan}" of ${incidentId} is neither in ${plansDir(deps)} nor in the run's history`);
    const built = buildReport(plan, record);
    return options.format === 'json' ? JSON.stringify(built, null, 2) + '\n' : renderMarkdown(built);
  });
  io.out(text);
  return INCIDENT_EXIT.ok;
}

export function incidentCommands(io: CliIo, setExit: (code: number) => void, deps: IncidentCommandDeps = {}): Command[] {
  const done = (p: Promise<number>) => p.then(setExit);

  const startCommand = addContextOptions(
    new Command('start')
      .description("start a rollback now, as an alert would: through the plan and service's desk, so it joins the open run if there is one")
      .requiredOption('--plan <file|name>', 'plan file (YAML) or the name of a plan in PLANS_DIR')
      .requiredOption('--service <name>', 'service of the plan')
      .requiredOption('--trigger <name>', 'trigger of the plan')
      .option('--json', 'print the result as JSON'),
  ).action((options: StartOptions) => done(start(io, deps, options)));

  const drillCommand = addContextOptions(
    new Command('drill')
      .description("run a plan's drill: the drill's environment and mode, the plan's first trigger unless --trigger")
      .requiredOption('--plan <file|name>', 'plan file (YAML) or the name of a plan in PLANS_DIR')
      .requiredOption('--drill <name>', 'drill of the plan')
      .option('--service <name>', 'service (default: the first service nothing else depends on)')
      .option('--trigger <name>', 'trigger (default: the first trigger of the plan)')
      .option('--id <incident>', 'incident id (default: drill-<plan>-<drill>-<service>-<time>)')
      .option('--json', 'print the result as JSON'),
  ).action((options: StartOptions & { drill: string }) => done(start(io, deps, options, options.drill)));

  const decisionCommand = (verdict: Verdict) =>
    new Command(verdict)
      .description(
        `${verdict} the rollback of an incident as the person your API token belongs to (ROLLBACK_TOKEN or ROLLBACK_TOKEN_FILE, ROLLBACK_API_URL); exit 1 when the decision does not count`,
      )
      .argument('<incident>', 'incident id')
      .requiredOption('--reason <text>', 'why')
      .option('--json', 'print the answer as JSON')
      .action((incident: string, options: { reason: string; json?: boolean }) => done(decide(io, deps, verdict, incident, options)));

  const statusCommand = new Command('status')
    .description("an incident's stage, decision, checks and timeline")
    .argument('<incident>', 'incident id')
    .option('--json', 'print the status as JSON')
    .action((incident: string, options: { json?: boolean }) => done(status(io, deps, incident, options)));

  const reportCommand = new Command('report')
    .description("an incident's report (Markdown, or JSON)")
    .argument('<incident>', 'incident id')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .option('--json', 'print the report as JSON (--format json)')
    .action((incident: string, options: { format: 'md' | 'json'; json?: boolean }) =>
      done(report(io, deps, incident, { format: options.json ? 'json' : options.format })),
    );

  return [startCommand, drillCommand, decisionCommand('approve'), decisionCommand('reject'), statusCommand, reportCommand];
}
