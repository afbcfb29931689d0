// Incident records built by hand, the way the workflow fills them: a genesis-phase4 run
// that escalated git → backup, and a monetization-drill quarterly drill in staging.
import type { Milestone, Plan } from '../../../src/plan/schema';
import { scoreRun, type Milestones } from '../../../src/policy/timing';
import type { IncidentRecord, StageRecord, StepRecord } from '../../../src/workflows/messages';

const T0 = Date.parse('2025-10-14T09:58:00Z');
/** ISO time `s` seconds after 09:58:00Z. */
export const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

function scorecard(plan: Plan, milestones: Partial<Record<Milestone, string>>, mode: 'automated' | 'manual', trigger: string) {
  const marks: Milestones = {};
  for (const [k, v] of Object.entries(milestones)) marks[k as Milestone] = Date.parse(v);
  return scoreRun(plan, marks, { mode, trigger });
}

function stages(entries: [StageRecord['stage'], number, number?][]): StageRecord[] {
  return entries.map(([stage, start, end]) => ({
    stage,
    startedAt: at(start),
    ...(end !== undefined ? { endedAt: at(end), durationMs: (end - start) * 1000 } : {}),
  }));
}

function step(partial: Partial<StepRecord> & Pick<StepRecord, 'type' | 'level' | 'levelId' | 'ok' | 'summary'>, start: number, end: number): StepRecord {
  return { startedAt: at(start), endedAt: at(end), ...partial };
}

/**
 * ErrorRate at 1.4 % on genesis-orchestration: the plan rolls back at once. The flag
 * level's checks fail, git's smoke tests fail, the backup restore works. `validatedAt`
 * (seconds after 09:58) decides whether the 15-minute SLA (decided → validated) holds.
 */
export function genesisRecord(plan: Plan, options: { validatedAt: number }): IncidentRecord {
  const v = options.validatedAt;
  const milestones: Partial<Record<Milestone, string>> = {
    detected: at(120), // 10:00:00
    decided: at(125),
    announced: at(160),
    drained: at(250),
    'rolled-back': at(v - 200),
    verified: at(v - 90),
    validated: at(v),
    stabilized: at(v + 1800),
  };
  return {
    incidentId: 'rollback-genesis-phase4-genesis-orchestration-3f2a9c',
    plan: plan.name,
    service: 'genesis-orchestration',
    trigger: 'ErrorRate',
    environment: 'production',
    stage: 'done',
    outcome: 'rolled-back',
    level: 3,
    decision: { action: 'rollback', by: 'plan', reason: 'ErrorRate 1.4% is in band "> 1%"', at: at(125) },
    decisions: [{ action: 'rollback', by: 'plan', reason: 'ErrorRate 1.4% is in band "> 1%"', at: at(125) }],
    escalations: [{ at: at(720), after: '10m', roles: ['devops-lead', 'tech-lead'], people: ['U0GENDEVOPS', 'U0GENTECHLD'] }],
    // PagerDuty was down for the whole incident; Slack worked.
    notifications: [
      {
        what: 'PagerDuty trigger',
        to: 'pagerduty',
        status: 'failed',
        queuedAt: at(120),
        settledAt: at(420),
        detail: 'activity ScheduleToClose timeout: pagerduty unavailable: Internal Server Error',
      },
      { what: 'Announce rollback-start', to: '#genesis-incidents', status: 'delivered', queuedAt: at(160), settledAt: at(161) },
      { what: 'PagerDuty resolve', to: 'pagerduty', status: 'pending', queuedAt: at(v + 1800) },
    ],
    checks: [
      { check: 'service-health', ok: true, attempts: [{ attempt: 1, ok: true, status: 200, at: at(v - 150) }] },
      {
        check: 'smoke',
        ok: true,
        attempts: [
          { attempt: 1, ok: false, error: 'exit code 1', at: at(v - 400) },
          { attempt: 2, ok: true, at: at(v - 120) },
        ],
      },
      { check: 'slo-validation', ok: true, attempts: [{ attempt: 1, ok: true, at: at(v - 10) }] },
    ],
    timeline: [
      { at: at(120), event: 'detected', detail: 'ErrorRate on genesis-orchestration (value 1.4%)' },
      { at: at(125), event: 'decided', detail: 'rollback by plan' },
      { at: at(160), event: 'announced', detail: 'Slack #genesis-incidents, PagerDuty' },
      { at: at(400), event: 'level failed', detail: 'git: smoke failed' },
      { at: at(v), event: 'validated' },
    ],
    stages: stages([
      ['detect', 120, 120],
      ['decide', 120, 125],
      ['announce', 125, 160],
      ['drain', 160, 250],
      ['roll-back', 250, v - 200],
      ['verify', v - 200, v - 90],
      ['validate-slos', v - 90, v],
      ['monitor', v, v + 1800],
      ['report', v + 1800, v + 1801],
      ['done', v + 1801],
    ]),
    milestones,
    steps: [
      step(
        {
          level: 1,
          levelId: 'flag',
          type: 'flag.disable',
          ok: true,
          summary: 'phase_4_deployment disabled',
          command: plan.levels[0].steps[0].command!,
          exitCode: 0,
        },
        160,
        161,
      ),
      step(
        { level: 1, levelId: 'flag', type: 'traffic.drain', name: 'wait for in-flight requests', ok: true, summary: '3 active requests after 30s' },
        161,
        250,
      ),
      step(
        {
          level: 3,
          levelId: 'git',
          type: 'service.stop',
          ok: true,
          summary: 'stopped',
          command: 'docker-compose down',
          exitCode: 0,
          output: 'Stopping genesis_orchestration_1 ... done',
        },
        250,
        262,
      ),
      step(
        { level: 3, levelId: 'git', type: 'git.checkout', ok: true, summary: 'HEAD is now at c3d4 (was a1b2)', command: 'git checkout HEAD~1', exitCode: 0 },
        262,
        263,
      ),
      step({ level: 3, levelId: 'git', type: 'service.start', ok: true, summary: 'started', command: 'docker-compose up -d', exitCode: 0 }, 263, 300),
      step({ level: 3, levelId: 'backup', type: 'service.stop', ok: true, summary: 'stopped', command: 'docker-compose down', exitCode: 0 }, 410, 420),
      step(
        {
          level: 3,
          levelId: 'backup',
          type: 'command.run',
          name: 'restore files from the most recent backup (excluding logs and data)',
          ok: true,
          summary: 'restored 1843 files',
          command: 'rsync -av --exclude=logs/ /home/genesis/genesis-rebuild-backup-20251013/ /home/genesis/genesis-rebuild/',
          exitCode: 0,
          output: 'sent 48,211,003 bytes  received 35,120 bytes\ntotal size is 48,102,221  speedup is 1.00',
        },
        420,
        500,
      ),
      step({ level: 3, levelId: 'backup', type: 'service.start', ok: true, summary: 'started', command: 'docker-compose up -d', exitCode: 0 }, 500, 530),
    ],
    snapshots: {
      before: {
        at: at(126),
        commit: { commit: 'a1b2', subject: 'Phase 4: enable orchestration v2' },
        metrics: [
          { query: 'sum(rate(genesis_requests_errors_total[5m])) / sum(rate(genesis_requests_total[5m]))', value: 0.014, at: at(126) },
          { query: 'genesis_test_pass_rate', value: 0.93, at: at(126) },
        ],
        logs: 'ERROR orchestration: task 4411 failed: KeyError',
      },
      after: {
        at: at(v),
        commit: { commit: 'c3d4', subject: 'Phase 3 hardening' },
        metrics: [{ query: 'sum(rate(genesis_requests_errors_total[5m])) / sum(rate(genesis_requests_total[5m]))', value: 0.0004, at: at(v) }],
      },
    },
    scorecard: scorecard(plan, milestones, 'automated', 'ErrorRate'),
    followUps: ['Root cause analysis completed', 'Restore a working git rollback path'],
  };
}

/**
 * The quarterly drill of monetization-drill in staging: DataIntegrityRisk declared, the
 * incident commander approves; the decision's first response runs at once (recorded with
 * levelId "decision"), then the app rollback to last known good.
 */
export function monetizationDrillRecord(plan: Plan, options: { finished: boolean } = { finished: true }): IncidentRecord {
  const milestones: Partial<Record<Milestone, string>> = {
    detected: at(0),
    decided: at(95),
    ...(options.finished ? { 'rolled-back': at(700), verified: at(820) } : {}),
  };
  return {
    incidentId: 'drill-monetization-drill-quarterly-20251014',
    plan: plan.name,
    service: 'transactions',
    trigger: 'DataIntegrityRisk',
    environment: 'staging',
    drill: { name: 'quarterly', mode: 'live' },
    stage: options.finished ? 'done' : 'roll-back',
    ...(options.finished ? { outcome: 'rolled-back' as const } : {}),
    decision: { action: 'rollback', by: 'U0MONIC0001', reason: 'drill: approve', at: at(95) },
    decisions: [{ action: 'rollback', by: 'U0MONIC0001', reason: 'drill: approve', at: at(95) }],
    notifications: [],
    escalations: [],
    checks: options.finished
      ? [
          { check: 'preflight', ok: true, attempts: [{ attempt: 1, ok: true, at: at(760) }] },
          { check: 'login-flow', ok: true, attempts: [{ attempt: 1, ok: true, status: 200, at: at(780) }] },
          {
            check: 'invoice-endpoints',
            ok: true,
            attempts: [
              { attempt: 1, ok: false, status: 503, at: at(790) },
              { attempt: 2, ok: true, status: 200, at: at(800) },
            ],
          },
        ]
      : [],
    timeline: [{ at: at(0), event: 'detected', detail: 'DataIntegrityRisk declared (drill quarterly)' }],
    stages: options.finished
      ? stages([
          ['detect', 0, 0],
          ['decide', 0, 95],
          ['roll-back', 95, 700],
          ['verify', 700, 820],
          ['done', 830],
        ])
      : stages([
          ['detect', 0, 0],
          ['decide', 0, 95],
          ['roll-back', 95],
        ]),
    milestones,
    steps: [
      step(
        {
          level: 0,
          levelId: 'decision',
          type: 'flag.disable',
          name: 'set AGENT_WRITE_ACTIONS_ENABLED=false',
          ok: true,
          summary: 'AGENT_WRITE_ACTIONS_ENABLED disabled',
        },
        100,
        101,
      ),
      step(
        {
          level: 0,
          levelId: 'decision',
          type: 'service.restart',
          name: 'redeploy only agent-service',
          service: 'agent-service',
          ok: true,
          summary: 'restarted',
          command: 'docker compose restart agent-service',
          exitCode: 0,
        },
        101,
        160,
      ),
      ...(options.finished
        ? [
            step(
              {
                level: 3,
                levelId: 'app-rollback',
                type: 'deploy.run',
                service: 'auth',
                ok: true,
                summary: 'auth deployed at auth-2025.10.1',
                command: 'tools/deploy.sh --service "auth" --image "registry.example.com/monetization/auth:2025.10.1"',
                exitCode: 0,
              },
              200,
              320,
            ),
            step(
              {
                level: 3,
                levelId: 'app-rollback',
                type: 'deploy.run',
                service: 'transactions',
                ok: true,
                summary: 'transactions deployed at transactions-2025.10.1',
                command: 'tools/deploy.sh --service "transactions" --image "registry.example.com/monetization/transactions:2025.10.1"',
                exitCode: 0,
              },
              320,
              450,
            ),
          ]
        : []),
    ],
    snapshots: {
      before: {
        at: at(96),
        metrics: [
          {
            query: 'sum(rate(http_requests_total{critical="true",code=~"5.."}[1m])) / sum(rate(http_requests_total{critical="true"}[1m]))',
            value: 0.031,
            at: at(96),
          },
        ],
      },
      ...(options.finished
        ? {
            after: {
              at: at(820),
              metrics: [
                {
                  query: 'sum(rate(http_requests_total{critical="true",code=~"5.."}[1m])) / sum(rate(http_requests_total{critical="true"}[1m]))',
                  value: 0.002,
                  at: at(820),
                },
              ],
            },
          }
        : {}),
    },
    scorecard: scorecard(plan, milestones, 'manual', 'DataIntegrityRisk'),
    followUps: [],
  };
}
