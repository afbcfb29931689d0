// Seed 001's Recovery Time Objectives in the report: each service the run acted on, its
// RTO against detection → restored and its RPO against the data a restore gave up.
import { buildReport, renderMarkdown } from '../../../src/report';
import type { StepRecord } from '../../../src/workflows/messages';
import { IncidentState } from '../../../src/workflows/incidentState';
import { seedPlan } from '../policy/seedPlans';
import { genesisRecord } from './records';

const webapp = seedPlan('webapp-5-level');
const T0 = Date.parse('2025-10-14T10:00:00Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** A webapp-5-level run for core-api (RTO 5m, RPO 1m), restored `validatedAt` seconds after detection (or never). */
function webappRun(options: { validatedAt?: number; steps?: Omit<StepRecord, 'level' | 'levelId' | 'endedAt'>[] }) {
  let now = T0;
  const state = new IncidentState(
    { incidentId: 'webapp-run-1', plan: webapp, service: 'core-api', trigger: 'ErrorRateHigh', alert: { status: 'firing', receivedAt: iso(0), labels: {} } },
    () => new Date(now).toISOString(),
  );
  state.reach('detected');
  for (const step of options.steps ?? []) state.steps.push({ level: 4, levelId: 'database', endedAt: step.startedAt, ...step });
  if (options.validatedAt !== undefined) {
    now = T0 + options.validatedAt * 1000;
    state.reach('validated');
  }
  return state.fullRecord();
}

const restore = (details: Record<string, unknown>): Omit<StepRecord, 'level' | 'levelId' | 'endedAt'> => ({
  type: 'db.restore',
  ok: true,
  summary: 'database restored from backup prod-2024-01-15',
  startedAt: iso(120),
  details,
});

test('restored in 4m against a 5m RTO; a backup 32 minutes old gave up more than the 1m RPO', () => {
  const record = webappRun({ validatedAt: 240, steps: [restore({ backup: 'prod-2024-01-15', modifiedAt: iso(-1800) })] });
  const report = buildReport(webapp, record);
  expect(report.objectives).toEqual([
    {
      service: 'core-api',
      priority: 'critical',
      rto: { targetMs: 300_000, target: '5m', actualMs: 240_000, actual: '4m', status: 'met', basis: 'detected → validated' },
      rpo: { targetMs: 60_000, target: '1m', actualMs: 1_920_000, actual: '32m', status: 'missed', basis: `backup of ${iso(-1800)} restored at ${iso(120)}` },
    },
  ]);
  const md = renderMarkdown(report);
  expect(md).toContain('## Recovery Objectives');
  expect(md).toContain(`| core-api | critical | 5m | ✅ 4m | 1m | ❌ 32m (backup of ${iso(-1800)} restored at ${iso(120)}) |`);
});

test('no database step gives up no data; a run that did not restore the service leaves its RTO open', () => {
  const [objective] = buildReport(webapp, webappRun({})).objectives;
  expect(objective?.rpo).toMatchObject({ actualMs: 0, status: 'met', basis: 'no database step ran' });
  expect(objective?.rto).toMatchObject({ status: 'open', basis: 'detected → validated: not restored by this run' });
  expect(objective?.rto?.actualMs).toBeUndefined();
});

test('a restore that does not say when its backup was taken leaves the RPO open, saying so', () => {
  const [objective] = buildReport(webapp, webappRun({ validatedAt: 600, steps: [restore({})] })).objectives;
  expect(objective?.rto).toMatchObject({ actual: '10m', status: 'missed' });
  expect(objective?.rpo).toMatchObject({
    status: 'open',
    basis: 'db.restore ran (database restored from backup prod-2024-01-15): what it discarded is not recorded',
  });
});

test('a service the run did not act on, or a plan without objectives, has no row', () => {
  const report = buildReport(webapp, webappRun({ validatedAt: 240 }));
  expect(report.objectives.map((o) => o.service)).toEqual(['core-api']);
  const genesis = seedPlan('genesis-phase4');
  const genesisReport = buildReport(genesis, genesisRecord(genesis, { validatedAt: 930 }));
  expect(genesisReport.objectives).toEqual([]);
  expect(renderMarkdown(genesisReport)).not.toContain('## Recovery Objectives');
});
