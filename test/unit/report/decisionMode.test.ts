// "Automated" means one thing: nobody decided, the plan's table or a window's default did.
// The workflow scores its record that way, and the report scores a record that carries no
// scorecard (older runs) the same way: seed 002's automated and manual time targets.
import { decisionMode } from '../../../src/policy/deciders';
import { buildReport } from '../../../src/report';
import { IncidentState } from '../../../src/workflows/incidentState';
import type { IncidentRecord } from '../../../src/workflows/messages';
import { seedPlan } from '../policy/seedPlans';

const lens = seedPlan('lens-sprint1-canary');

/** A lens run for a quality regression, decided 5 s after detection by `by`, traffic reverted 20 s later. */
function decidedBy(by: string): IncidentRecord {
  let now = Date.parse('2025-10-14T10:00:00Z');
  const clock = () => new Date(now).toISOString();
  const state = new IncidentState(
    { incidentId: 'lens-run-1', plan: lens, service: 'lens-search', trigger: 'NdcgRegression', alert: { status: 'firing', receivedAt: clock(), labels: {} } },
    clock,
  );
  state.reach('detected');
  now += 5_000;
  state.decide('rollback', by, 'nDCG below 0.5184');
  state.reach('decided');
  now += 20_000;
  state.reach('drained');
  return state.fullRecord();
}

const names = (targets: readonly { name: string }[]) => targets.map((t) => t.name).sort();

test.each([
  ['plan', 'automated'],
  ['clock', 'automated'],
  ['U0LENSQADRI', 'manual'],
])('decided by %s: %s', (by, mode) => {
  expect(decisionMode(by)).toBe(mode);
});

test('a window that ran out and rolled back by its default is scored as an automated rollback, not a manual one', () => {
  const record = decidedBy('clock');
  expect(names(record.scorecard.targets)).toEqual(['automated', 'communication', 'stabilization']);
  expect(record.scorecard.targets.find((t) => t.name === 'automated')).toMatchObject({ from: 'detected', to: 'drained', actual: 25_000, met: true });
});

test('a person who decided makes the run manual: decision → traffic reversion', () => {
  const record = decidedBy('U0LENSQADRI');
  expect(names(record.scorecard.targets)).toEqual(['communication', 'manual', 'stabilization']);
  expect(record.scorecard.targets.find((t) => t.name === 'manual')).toMatchObject({ from: 'decided', to: 'drained', actual: 20_000, met: true });
});

test.each(['plan', 'clock', 'U0LENSQADRI'])('decided by %s: the report scores a record without a scorecard as the workflow did', (by) => {
  const { scorecard, ...withoutScorecard } = decidedBy(by);
  const report = buildReport(lens, withoutScorecard as IncidentRecord);
  expect(names(report.scorecard.targets)).toEqual(names(scorecard.targets));
});
