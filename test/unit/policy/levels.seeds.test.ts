// Deeper escalation between levels, level targets, and the migration rule.
import type { Plan } from '../../../src/plan/schema';
import { decide } from '../../../src/policy/decide';
import { findLevel, levelGate, levelId, nextLevel, startLevel, type NextLevelOptions } from '../../../src/policy/levels';
import { seedPlan } from './seedPlans';

/** Level ids from `from` on, following failures until the chain stops. */
function chain(plan: Plan, from: string | number, options: NextLevelOptions = {}): string[] {
  let level = findLevel(plan, from)!;
  const ids = [levelId(level)];
  for (let next = nextLevel(plan, level, options); 'level' in next; next = nextLevel(plan, level, options)) {
    level = next.level;
    ids.push(levelId(level));
  }
  return ids;
}

describe('004 §6 Troubleshooting Failed Rollbacks', () => {
  const plan = seedPlan('genesis-phase4');
  it('004 §5.1 → §5.2 → §5.3 → §6.4: flag, git rollback, backup restore, emergency recovery', () => {
    expect(chain(plan, 'flag')).toEqual(['flag', 'git', 'backup', 'emergency']);
  });
  it('004: an automatic rollback starts with the feature flag (§5.1, fastest)', () => {
    expect(levelId(startLevel(plan, decide(plan, { trigger: 'ErrorRate', value: 0.02 })))).toBe('flag');
  });
});

describe('001 levels', () => {
  const plan = seedPlan('webapp-5-level');
  it('001 "Level 3-5": code, database, restore from backup, full system', () => {
    expect(chain(plan, 3, { maxLevel: 5 })).toEqual(['3', 'database', 'database-restore', '5']);
  });
  it('001 "Level 2-3": stops after code rollback, and says why', () => {
    expect(chain(plan, 2, { maxLevel: 3 })).toEqual(['2', '3']);
    expect(nextLevel(plan, findLevel(plan, 3)!, { maxLevel: 3 })).toMatchObject({ stop: 'beyond-max-level' });
  });
});

describe('003 §4.5 Migration decision', () => {
  const plan = seedPlan('monetization-drill');
  const app = findLevel(plan, 'app-rollback')!;
  it.each([
    ['none', true],
    ['reversible', true],
  ] as const)('003: with a %s migration the apps roll back and the schema stays', (migration, run) => {
    expect(levelGate(app, migration).run).toBe(run);
    expect(app.steps.some((s) => s.type.startsWith('db.'))).toBe(false);
  });
  it('003: with an irreversible migration there is no destructive rollback — fix forward', () => {
    expect(levelGate(app, 'irreversible')).toMatchObject({ run: false, instead: 'fix-forward' });
    expect(nextLevel(plan, findLevel(plan, 'agent-read-only')!, { migration: 'irreversible' })).toMatchObject({ stop: 'fix-forward' });
  });
});

describe('000 §Database Rollback (if applicable)', () => {
  it('000: runs only for a release with a (reversible) schema change', () => {
    const db = findLevel(seedPlan('reserves-v11'), 'database')!;
    expect(levelGate(db, 'reversible').run).toBe(true);
    expect(levelGate(db, 'none')).toMatchObject({ run: false, instead: 'stop' });
  });
});
