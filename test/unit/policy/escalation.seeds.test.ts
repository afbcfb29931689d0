// People escalation by elapsed time.
import { escalationsAt, escalationSchedule } from '../../../src/policy/escalation';
import { seedPlan } from './seedPlans';

const MIN = 60_000;
const opened = 1_700_000_000_000;

describe('000 §Escalation Path', () => {
  const plan = seedPlan('reserves-v11');
  it.each([
    ['Level 1 (0-5 minutes): on-call engineer', 0, ['oncall'], 5 * MIN],
    ['Level 1 still at 4m59s', 5 * MIN - 1000, ['oncall'], 5 * MIN],
    ['Level 2 (5-15 minutes): team lead', 5 * MIN, ['oncall', 'team-lead'], 15 * MIN],
    ['Level 3 (15+ minutes): engineering manager + product owner', 15 * MIN, ['oncall', 'team-lead', 'eng-manager', 'product-owner'], undefined],
  ])('000 escalation: %s', (_name, elapsed, roles, nextAfter) => {
    const { due, next } = escalationsAt(plan, opened, opened + elapsed);
    expect(due.flatMap((d) => d.roles)).toEqual(roles);
    expect(next?.dueAt).toBe(nextAfter === undefined ? undefined : opened + nextAfter);
  });

  it('000 escalation: each step names the people to page', () => {
    expect(escalationSchedule(plan, opened)[2]).toEqual({
      dueAt: opened + 15 * MIN,
      roles: ['eng-manager', 'product-owner'],
      people: ['U0RESENGMGR', 'U0RESPRODOW'],
      note: 'engineering manager + product owner decision (15+ minutes)',
    });
  });
});

describe('004 §6.2 Still failing after 10 minutes', () => {
  it('004 escalation: DevOps Lead and Tech Lead are brought in at 10 minutes', () => {
    const { due } = escalationsAt(seedPlan('genesis-phase4'), opened, opened + 10 * MIN);
    expect(due.map((d) => d.roles)).toEqual([['oncall'], ['devops-lead', 'tech-lead']]);
  });
});
