// The migration gate is fail-safe: a level restricted by `migrations` runs only when the
// release's migration kind is known to be allowed; an unknown kind is put to a person
// (default hold), never let through.
import type { Level, Migration } from '../../../src/plan/schema';
import { findLevel, levelGate, nextLevel } from '../../../src/policy/levels';
import { seedPlan } from './seedPlans';

const level = (migrations?: Migration[]): Level => ({
  level: 4,
  id: 'database',
  name: 'restore schema',
  steps: [],
  checks: [],
  ...(migrations ? { migrations } : {}),
});

describe('levelGate', () => {
  test.each<[string, Migration[] | undefined, Migration | undefined, string]>([
    ['no restriction, unknown kind', undefined, undefined, 'run'],
    ['no restriction, irreversible', undefined, 'irreversible', 'run'],
    ['[reversible], reversible', ['reversible'], 'reversible', 'run'],
    ['[none, reversible], none', ['none', 'reversible'], 'none', 'run'],
    ['[reversible], unknown kind', ['reversible'], undefined, 'ask'],
    ['[none, reversible], unknown kind', ['none', 'reversible'], undefined, 'ask'],
    ['[reversible], none', ['reversible'], 'none', 'stop'],
    ['[none, reversible], irreversible', ['none', 'reversible'], 'irreversible', 'fix-forward'],
    ['[reversible], irreversible', ['reversible'], 'irreversible', 'fix-forward'],
  ])('%s → %s', (_, migrations, migration, expected) => {
    const gate = levelGate(level(migrations), migration);
    expect(gate.run ? 'run' : gate.instead).toBe(expected);
  });

  test.each<[Migration[], string]>([
    [['reversible'], 'migration kind unknown — approve only if it is reversible'],
    [['none', 'reversible'], 'migration kind unknown — approve only if there is no migration or it is reversible'],
  ])('the question for %j says what to approve', (migrations, question) => {
    expect(levelGate(level(migrations), undefined)).toEqual({
      run: false,
      instead: 'ask',
      question,
      reason: `level database (restore schema) runs only when the migration is ${migrations.join(' or ')}, and the migration kind is unknown`,
    });
  });
});

describe('000 §Database Rollback (if applicable): escalation into it', () => {
  const plan = seedPlan('reserves-v11');
  const standard = findLevel(plan, 'standard')!;
  test.each<[Migration | undefined, string]>([
    ['reversible', 'runs'],
    [undefined, 'asks'],
    ['none', 'stops'],
  ])('migration %s: the database level %s', (migration, expected) => {
    const next = nextLevel(plan, standard, migration ? { migration } : {});
    const seen = 'level' in next ? (next.ask ? 'asks' : 'runs') : 'stops';
    expect(seen).toBe(expected);
    if ('level' in next) expect(next.level.id).toBe('database');
  });
});
