// Reports from hand-built records: what a reader of the incident report checks first.
import { buildReport, drillEvidence, renderMarkdown } from '../../../src/report';
import type { Plan } from '../../../src/plan/schema';
import { seedPlan } from '../policy/seedPlans';
import { at, genesisRecord, monetizationDrillRecord } from './records';

const genesis = seedPlan('genesis-phase4');
const monetization = seedPlan('monetization-drill');

/** The lines of one `## Title` section of the Markdown. */
function section(md: string, title: string): string {
  const start = md.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no section "## ${title}" in:\n${md}`);
  const rest = md.slice(start + 1);
  const next = rest.indexOf('\n## ', 4);
  return next < 0 ? rest : rest.slice(0, next);
}

describe('genesis-phase4: ErrorRate, escalated git → backup', () => {
  // Decided 10:00:05; validated 10:13:30 → 13m 25s in a 15-minute SLA.
  const metRecord = genesisRecord(genesis, { validatedAt: 930 });
  const met = buildReport(genesis, metRecord);
  const md = renderMarkdown(met);

  it('fills seed 004 §4.3 Summary: incident id, duration against the SLA, impact left to a person', () => {
    expect(md).toMatch(/^# Incident Report: 2025-10-14 - ErrorRate on genesis-orchestration\n/);
    const summary = section(md, 'Summary');
    expect(summary).toContain('- **Incident ID:** rollback-genesis-phase4-genesis-orchestration-3f2a9c');
    expect(summary).toContain('- **Time to roll back:** 13m 25s (decided → validated; SLA 15m: met)');
    expect(summary).toContain('- **Impact:** users affected: _to be filled_');
    expect(summary).toContain('Levels run: flag → git → backup.');
    expect(met.duration).toMatchObject({ ms: 805_000, toFill: false });
  });

  it('writes the timeline from milestones: detection, decision (who), initiated, completed, stabilized', () => {
    const timeline = section(md, 'Timeline');
    expect(timeline).toContain('- **Detection:** 2025-10-14T10:00:00.000Z');
    expect(timeline).toContain("- **Decision:** 2025-10-14T10:00:05.000Z — rollback by the plan's decision table");
    expect(timeline).toContain('- **Rollback Initiated:** 2025-10-14T10:00:05.000Z');
    expect(timeline).toContain('- **Rollback Completed:** 2025-10-14T10:13:30.000Z');
    expect(timeline).toContain('- **System Stabilized:** 2025-10-14T10:43:30.000Z');
  });

  it('says what was done in Resolution: commits, flag to 0 %, escalation, SLOs within the SLA', () => {
    const resolution = section(md, 'Resolution');
    expect(resolution).toContain('- Rolled back from commit a1b2 to c3d4 (“Phase 3 hardening”)');
    expect(resolution).toContain('- Feature flag phase_4_deployment set to 0 % (disabled)');
    expect(resolution).toContain('- Escalated from level flag (feature flag to 0% and traffic drain) to git (git rollback to the previous commit)');
    expect(resolution).toContain('- Escalated from level git (git rollback to the previous commit) to backup (restore files from the latest backup)');
    expect(resolution).toContain('- All SLOs restored within the 15m SLA (13m 25s, decided → validated)');
  });

  it('follows report.fields: the sections a person fills are blanks with a hint, in plan order', () => {
    expect(met.sections.map((s) => s.title)).toEqual(['Summary', 'Impact', 'Timeline', 'Root Cause', 'Resolution', 'Preventive Measures', 'Lessons Learned']);
    expect(section(md, 'Root Cause')).toContain('_Technical explanation._\n\n_to be filled_');
    expect(section(md, 'Preventive Measures')).toContain('1. _to be filled_\n2. _to be filled_');
    expect(md).not.toContain('## Improvements');
    const impact = section(md, 'Impact');
    expect(impact).toContain('- **Users affected:** _to be filled_');
    expect(impact).toContain('- **Duration of the impact:** ≥ 43m 30s (detected → stabilized; add the time before detection)');
    expect(impact).toContain('- **Data loss:** _to be filled_ (no database step ran)');
    expect(impact).toContain('- **Revenue impact:** $_to be filled_');
    expect(md.indexOf('## Impact')).toBeLessThan(md.indexOf('## Timeline'));
  });

  it('computes only the metrics the plan asks for, and leaves what only a person knows blank', () => {
    expect(met.metrics.map((m) => m.id)).toEqual(['time-to-detection', 'rollback-duration', 'users-affected']);
    const metrics = section(md, 'Rollback Metrics');
    expect(metrics).toContain('- Time to detection: _to be filled_ (from the start of the problem to detection)');
    expect(metrics).toContain('- Rollback duration: 13m 25s (decided → validated)');
    expect(metrics).toContain('- Users affected: _to be filled_');
  });

  it('scores each stage against its target and the SLA', () => {
    const scorecard = section(md, 'Stage Scorecard');
    expect(scorecard).toContain('| **SLA** | decided → validated | 15m | 13m 25s | ✅ met |');
    expect(scorecard).toContain('| announcement | decided → announced | 1m | 35s | ✅ met |');
    // The escalation through git cost time: drained 10:02:10 → rolled back 10:10:10.
    expect(scorecard).toContain('| service-rollback | drained → rolled-back | 5m | 8m | ❌ missed |');
    expect(scorecard).toContain('| incident-report | validated → reported | 24h | — | ⏳ open |');
    expect(met.scorecard.sla).toMatchObject({ status: 'met', actualMs: 805_000, targetMs: 900_000 });
    expect(scorecard).toContain('| roll-back | 2025-10-14T10:02:10.000Z | 2025-10-14T10:10:10.000Z | 8m |');
  });

  it('lists steps with their commands, exit codes and trimmed output', () => {
    const steps = section(md, 'Steps');
    expect(steps).toContain(
      'Levels run: flag (level 1, feature flag to 0% and traffic drain) ❌ → git (level 3, git rollback to the previous commit) ❌ → backup (level 3, restore files from the latest backup) ✅',
    );
    expect(steps).toContain('4. **git.checkout** (git) — ok: HEAD is now at c3d4 (was a1b2)');
    expect(steps).toContain('   - Command: `git checkout HEAD~1` → exit code 0');
    expect(steps).toContain('   ```\n   sent 48,211,003 bytes  received 35,120 bytes\n   total size is 48,102,221  speedup is 1.00\n   ```');
    expect(met.steps[6]).toMatchObject({ n: 7, levelId: 'backup', exitCode: 0, durationMs: 80_000 });
  });

  it('records the decision with who decided, and people escalations', () => {
    expect(section(md, 'Decisions')).toContain('| 2025-10-14T10:00:05.000Z | rollback | the plan\'s decision table | ErrorRate 1.4% is in band "> 1%" |');
    expect(section(md, 'Escalations')).toContain('- 2025-10-14T10:10:00.000Z (after 10m): devops-lead, tech-lead, U0GENDEVOPS, U0GENTECHLD');
  });

  it('shows the snapshots before and after', () => {
    const snapshots = section(md, 'Snapshots');
    expect(snapshots).toContain('### Before (2025-10-14T10:00:06.000Z)\n\n- Commit: a1b2 — Phase 4: enable orchestration v2');
    expect(snapshots).toContain('| `genesis_test_pass_rate` | 0.93 | 2025-10-14T10:00:06.000Z |');
    expect(snapshots).toContain('ERROR orchestration: task 4411 failed: KeyError');
    expect(snapshots).toContain('- Commit: c3d4 — Phase 3 hardening');
  });

  it("opens the plan's follow-up tasks and the run's own as checkboxes, with the report due in 24h", () => {
    const followUps = section(md, 'Follow-Up Tasks');
    expect(followUps).toContain('- [ ] Root cause analysis completed\n- [ ] Fix deployed and tested in staging');
    expect(followUps).toContain('- [ ] Restore a working git rollback path');
    expect(followUps.match(/Root cause analysis completed/g)).toHaveLength(1);
    // Closed at 10:43:31 (done), due 24h after the system stabilized / the run closed.
    expect(met.due).toBe('2025-10-15T10:43:31.000Z');
    expect(met.evidence).toBeUndefined();
    expect(md).not.toContain('## Drill Evidence');
  });

  it('says so when the SLA was missed', () => {
    // Validated 10:17:05: 17 minutes after the decision.
    const missed = buildReport(genesis, genesisRecord(genesis, { validatedAt: 1145 }));
    const text = renderMarkdown(missed);
    expect(section(text, 'Resolution')).toContain('- SLOs restored in 17m, outside the 15m SLA (decided → validated)');
    expect(section(text, 'Stage Scorecard')).toContain('| **SLA** | decided → validated | 15m | 17m | ❌ missed |');
    expect(section(text, 'Summary')).toContain('- **Time to roll back:** 17m (decided → validated; SLA 15m: missed)');
    expect(missed.scorecard).toMatchObject({ met: false, sla: { status: 'missed', actualMs: 1_020_000 } });
  });

  it('does not claim restored SLOs when verification still fails', () => {
    const record = { ...genesisRecord(genesis, { validatedAt: 930 }), outcome: 'rollback-unverified' as const };
    record.checks = [...record.checks, { check: 'p95-restored', ok: false, attempts: [{ attempt: 1, ok: false, at: at(930) }] }];
    const text = renderMarkdown(buildReport(genesis, record));
    expect(section(text, 'Resolution')).toContain('- SLOs NOT restored: checks still failing: p95-restored — people must look');
    expect(text).not.toContain('All SLOs restored');
  });

  it('lists the notifications that did not arrive, with why', () => {
    const notifications = section(md, 'Notifications');
    expect(notifications).toContain('1 delivered, 1 failed, 1 pending.');
    expect(notifications).toContain(
      '- ❌ failed: PagerDuty trigger → pagerduty (queued 2025-10-14T10:00:00.000Z, settled 2025-10-14T10:05:00.000Z) — activity ScheduleToClose timeout: pagerduty unavailable: Internal Server Error',
    );
    expect(notifications).toContain('- ⏳ never confirmed: PagerDuty resolve → pagerduty');
    expect(notifications).not.toContain('Announce rollback-start');
    expect(met.notifications.map((n) => n.status)).toEqual(['failed', 'delivered', 'pending']);
  });

  it('round-trips as JSON', () => {
    expect(JSON.parse(JSON.stringify(met))).toEqual(met);
    expect(met).toMatchObject({ version: 1, kind: 'incident', plan: 'genesis-phase4', outcome: 'rolled-back', severity: { toFill: true } });
  });
});

describe('a plan without a report section gets seed 001 Lessons Learned sections and Rollback Metrics', () => {
  const bare: Plan = { ...genesis, report: undefined };
  const report = buildReport(bare, genesisRecord(genesis, { validatedAt: 930 }));
  const md = renderMarkdown(report);

  it('uses the default sections and all six metrics', () => {
    expect(report.metrics.map((m) => m.id)).toEqual([
      'time-to-detection',
      'time-to-decision',
      'time-to-rollback',
      'total-downtime',
      'users-affected',
      'revenue-impact',
    ]);
    const metrics = section(md, 'Rollback Metrics');
    expect(metrics).toContain('- Time to decision: 5s (detected → decided)');
    expect(metrics).toContain('- Time to rollback: 10m 10s (detected → rolled-back)');
    expect(metrics).toContain('- Total downtime: ≥ 43m 30s (detected → stabilized; add the time before detection)');
    expect(metrics).toContain('- Revenue impact: $_to be filled_');
    for (const title of ['Summary', 'Timeline', 'Impact', 'Root Cause', 'Resolution', 'Prevention', 'Improvements', 'Lessons Learned']) section(md, title);
    expect(section(md, 'Prevention')).toContain('_How to prevent recurrence._');
    expect(section(md, 'Improvements')).toContain('_Process improvements identified._');
    expect(report.due).toBeUndefined();
  });
});

describe('monetization-drill: the quarterly drill in staging', () => {
  it('fills seed 003 §5 evidence from the record, each item checked with its evidence', () => {
    const record = monetizationDrillRecord(monetization);
    const items = drillEvidence(monetization, record);
    expect(items.map((i) => [i.id, i.done])).toEqual([
      ['timestamps', true],
      ['trigger-snapshots', true],
      ['commands', true],
      ['validation', true],
      ['follow-ups', true],
    ]);
    const byId = Object.fromEntries(items.map((i) => [i.id, i.evidence]));
    expect(byId.timestamps).toEqual([
      'Started 2025-10-14T09:58:00.000Z',
      'Ended 2025-10-14T10:11:50.000Z',
      'Took 13m 50s',
      'sla: 12m 5s (target 30m, met)',
      'preparation: 1m 35s (target 5m, met)',
    ]);
    expect(byId['trigger-snapshots'][0]).toMatch(/^before 2025-10-14T09:59:36.000Z: sum\(rate\(http_requests_total.* = 0\.031$/);
    expect(byId['trigger-snapshots'][1]).toMatch(/ = 0\.002$/);
    expect(byId.commands).toContain('`tools/deploy.sh --service "auth" --image "registry.example.com/monetization/auth:2025.10.1"` [auth] → exit 0');
    expect(byId.commands).toContain(
      'Target versions: auth → registry.example.com/monetization/auth:2025.10.1, transactions → registry.example.com/monetization/transactions:2025.10.1',
    );
    expect(byId.validation).toEqual(['preflight: passed after 1 attempt', 'login-flow: passed after 1 attempt', 'invoice-endpoints: passed after 2 attempts']);
    expect(byId['follow-ups']).toEqual(['Corrective actions with owners and due dates']);
  });

  it('renders the checklist as - [x] items, and the drill report header', () => {
    const report = buildReport(monetization, monetizationDrillRecord(monetization));
    const md = renderMarkdown(report);
    expect(report.kind).toBe('drill');
    expect(md).toMatch(/^# Drill Report: 2025-10-14 - drill "quarterly" of monetization-drill \(staging\)\n/);
    const evidence = section(md, 'Drill Evidence');
    expect(evidence).toContain('- [x] Start and end timestamps captured\n  - Started 2025-10-14T09:58:00.000Z');
    expect(evidence).toContain('- [x] Trigger metric snapshots attached');
    expect(evidence).toContain('- [x] Rollback commands and target versions documented');
    expect(evidence).toContain('- [x] Validation results attached\n  - preflight: passed after 1 attempt');
    expect(evidence).toContain('- [x] Follow-up actions tracked\n  - Corrective actions with owners and due dates');
    expect(section(md, 'Summary')).toContain('- **Drill:** quarterly (live)');
    expect(section(md, 'Decisions')).toContain('| rollback | U0MONIC0001 (Incident commander) | drill: approve |');
    expect(section(md, 'Resolution')).toContain('- Rolled back auth to auth-2025.10.1 (registry.example.com/monetization/auth:2025.10.1)');
    expect(section(md, 'Resolution')).toContain('- Feature flag AGENT_WRITE_ACTIONS_ENABLED set to 0 % (disabled)');
    expect(section(md, 'Resolution')).toContain('- All SLOs restored within the 30m SLA (12m 5s, decided → verified)');
    // monetization-drill asks for time to detection, decision and rollback.
    const metrics = section(md, 'Rollback Metrics');
    // DataIntegrityRisk is declared by a person: no trigger window to quote.
    expect(metrics).toContain('- Time to detection: _to be filled_ (from the start of the problem to detection)\n');
    expect(metrics).toContain('- Time to decision: 1m 35s (detected → decided)');
    expect(metrics).toContain('- Time to rollback: 11m 40s (detected → rolled-back)');
    expect(section(md, 'Root Cause')).toContain('_to be filled_');
  });

  it('leaves items unchecked while the drill is still running, and manual items for a person', () => {
    const withManual: Plan = {
      ...monetization,
      drills: [
        {
          ...monetization.drills[0],
          evidence: [
            ...monetization.drills[0].evidence,
            { id: 'communication', text: 'Practice communication flow', collect: 'manual' },
            { id: 'authority', text: 'Decision-making authority confirmed', collect: 'decisions' },
          ],
        },
      ],
    };
    const record = monetizationDrillRecord(withManual, { finished: false });
    const items = Object.fromEntries(drillEvidence(withManual, record).map((i) => [i.id, i]));
    expect(items.timestamps).toMatchObject({
      done: false,
      evidence: ['Started 2025-10-14T09:58:00.000Z', 'Not ended yet', 'preparation: 1m 35s (target 5m, met)'],
    });
    expect(items.validation).toMatchObject({ done: false, evidence: ['No check ran'] });
    expect(items.communication).toMatchObject({ done: false, evidence: ['To be confirmed by a person'] });
    expect(items.authority).toMatchObject({
      done: true,
      evidence: ['2025-10-14T09:59:35.000Z: rollback by U0MONIC0001 (Incident commander) — drill: approve'],
    });
    // Agent restart only: no deploy yet, so no target versions.
    expect(items.commands.evidence).toEqual(['`docker compose restart agent-service` [agent-service] → exit 0']);
    const md = renderMarkdown(buildReport(withManual, record));
    expect(section(md, 'Drill Evidence')).toContain('- [ ] Start and end timestamps captured');
    expect(section(md, 'Drill Evidence')).toContain('- [ ] Practice communication flow\n  - To be confirmed by a person');
    expect(section(md, 'Summary')).toContain('- **Outcome:** open (stage roll-back)');
  });

  it('has no evidence for a run that is not a drill', () => {
    const record = { ...monetizationDrillRecord(monetization), drill: undefined };
    expect(drillEvidence(monetization, record)).toEqual([]);
  });
});

test("time to detection quotes the trigger's window when the trigger has one", () => {
  const record = { ...monetizationDrillRecord(monetization), trigger: 'CriticalApi5xx' };
  const metric = buildReport(monetization, record).metrics.find((m) => m.id === 'time-to-detection');
  expect(metric).toMatchObject({ toFill: true, basis: 'from the start of the problem to detection; the trigger fires after the condition held 5m' });
});
