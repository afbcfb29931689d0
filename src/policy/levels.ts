// Deeper escalation: where a rollback starts, which level follows a failed one, and
// whether a level may run given the release's migration. Pure.
import type { Migration, Outcome, Plan, Level } from '../plan/schema';

export function levelId(level: Level): string {
  return level.id ?? String(level.level);
}

/** A level by id, or by number (the first level of that depth). */
export function findLevel(plan: Plan, ref: string | number): Level | undefined {
  return (
    plan.levels.find((l) => levelId(l) === String(ref)) ??
    (typeof ref === 'number' ? plan.levels.find((l) => l.level === ref) : undefined)
  );
}

export function startLevel(plan: Plan, outcome: Outcome): Level {
  const ref = outcome.action === 'rollback' || outcome.action === 'ask' ? outcome.level : undefined;
  return (ref !== undefined ? findLevel(plan, ref) : undefined) ?? plan.levels[0]!;
}

/** With an irreversible migration the answer is to fix forward; otherwise the level just does not apply. */
export type LevelGate = { run: true } | { run: false; instead: 'fix-forward' | 'stop'; reason: string };

export function levelGate(level: Level, migration: Migration | undefined): LevelGate {
  if (!level.migrations || migration === undefined || level.migrations.includes(migration)) return { run: true };
  return {
    run: false,
    instead: migration === 'irreversible' ? 'fix-forward' : 'stop',
    reason: `level ${levelId(level)} (${level.name}) may not run when the migration is ${migration}`,
  };
}

export type NextLevel =
  | { level: Level }
  | { stop: 'plan-says-stop' | 'no-deeper-level' | 'beyond-max-level' | 'migration-rule'; reason: string }
  | { stop: 'fix-forward'; reason: string };

export interface NextLevelOptions {
  /** Deepest level the decision allows ("Level 2-3" → 3). */
  maxLevel?: number;
  migration?: Migration;
}

/** The level to try after `failed`'s checks failed. */
export function nextLevel(plan: Plan, failed: Level, options: NextLevelOptions = {}): NextLevel {
  if (failed.onFailure === 'stop') return { stop: 'plan-says-stop', reason: `level ${levelId(failed)} has onFailure: stop` };
  const next =
    failed.onFailure !== undefined
      ? findLevel(plan, failed.onFailure)
      : plan.levels.filter((l) => l.level > failed.level).sort((a, b) => a.level - b.level)[0];
  if (!next) return { stop: 'no-deeper-level', reason: `no level is deeper than ${levelId(failed)}` };
  if (options.maxLevel !== undefined && next.level > options.maxLevel) {
    return { stop: 'beyond-max-level', reason: `level ${next.level} is beyond the decided maximum ${options.maxLevel}` };
  }
  const gate = levelGate(next, options.migration);
  if (gate.run) return { level: next };
  return { stop: gate.instead === 'fix-forward' ? 'fix-forward' : 'migration-rule', reason: gate.reason };
}
