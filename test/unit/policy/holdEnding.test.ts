// How a run ends when a hold stands, the decision's or a step approval's (issue 11: a step
// approval whose default is hold ended the run "rollback-failed"). Seed 004 §5.4 "STOP:
// consult the database administrator before proceeding": the DBA's silence holds the restore.
import { holdEnding } from '../../../src/policy/deciders';
import { seedPlan } from './seedPlans';

describe('004 §5.4 consult the DBA: a step approval that holds', () => {
  const genesis = seedPlan('genesis-phase4');
  const dba = genesis.authority.roles.dba.members[0];

  it.each([
    ['nobody answered within the window; default hold', 'clock', 'held'],
    ['the plan itself held (no rule decides)', 'plan', 'held'],
    ['the DBA said hold', dba, 'rejected'],
  ])('%s (by %s) → %s', (_case, by, ending) => {
    expect(holdEnding(by)).toBe(ending);
  });

  it('the restore steps that ask the DBA default to hold', () => {
    const approvals = genesis.levels.flatMap((l) => l.steps.flatMap((s) => (s.approval ? [s.approval] : [])));
    expect(approvals.map((a) => [a.approvers, a.default])).toEqual([
      [['dba'], 'hold'],
      [['dba'], 'hold'],
    ]);
  });
});
