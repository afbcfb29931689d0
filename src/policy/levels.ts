// Deeper escalation: where a rollback starts, which level follows a failed one, and
// whether a level may run given the release's migration. Pure.
import type { Migration, Outcome, Plan, Level } from '../plan/schema';

export function levelId(level: Level): string {
  return level.id ?? String(level.level);
}

/** A level by id, or by number (the first level of that depth). */
export function findLevel(plan: Plan, ref: string | number): Level | undefined {
  return plan.levels.find((l) => levelId(l) === String(ref)) ?? (typeof ref === 'number' ? plan.levels.find((l) => l.level === ref) : undefined);
}

export function startLevel(plan: Plan, outcome: Outcome): Level {
  const ref = outcome.action === 'rollback' || outcome.action === 'ask' ? outcome.level : undefined;
  return (ref !== undefined ? findLevel(plan, ref) : undefined) ?? plan.levels[0];
}

/** What a person is asked before a migration-restricted level runs for a release whose migration kind is unknown. */
export interface MigrationQuestion {
  reason: string;
  question: string;
}

/**
 * Whether a level may run given the release's migration. Fail-safe: a level restricted by
 * `migrations` runs only when the kind is known to be allowed. With an irreversible
 * migration the answer is to fix forward; an unknown kind is put to a person; otherwise the
 * level just does not apply.
 */
export type LevelGate =
  | { run: true }
  | { run: false; instead: 'fix-forward'; reason: string }
  | { run: false; instead: 'stop'; reason: string }
  | ({ run: false; instead: 'ask' } & MigrationQuestion);

const MIGRATION_WORDS: Record<Migration, string> = { none: 'there is no migration', reversible: 'it is reversible', irreversible: 'it is irreversible' };

export function levelGate(level: Level, migration: Migration | undefined): LevelGate {
  const allowed = level.migrations;
  if (!allowed || (migration !== undefined && allowed.includes(migration))) return { run: true };
  const what = `level ${levelId(level)} (${level.name})`;
  if (migration === undefined) {
    return {
      run: false,
      instead: 'ask',
      reason: `${what} runs only when the migration is ${allowed.join(' or ')}, and the migration kind is unknown`,
      question: `migration kind unknown — approve only if ${allowed.map((m) => MIGRATION_WORDS[m]).join(' or ')}`,
    };
  }
  const reason = `${what} may not run when the migration is ${migration}`;
  return migration === 'irreversible' ? { run: false, instead: 'fix-forward', reason } : { run: false, instead: 'stop', reason };
}

export type NextLevel =
  /** `ask`: the level runs only if a person confirms the migration allows it. */
  | { level: Level; ask?: MigrationQuestion }
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
    failed.onFailure !== undefined ? findLevel(plan, failed.onFailure) : plan.levels.filter((l) => l.level > failed.level).sort((a, b) => a.level - b.level)[0];
  if (!next) return { stop: 'no-deeper-level', reason: `no level is deeper than ${levelId(failed)}` };
  if (options.maxLevel !== undefined && next.level > options.maxLevel) {
    return { stop: 'beyond-max-level', reason: `level ${next.level} is beyond the decided maximum ${options.maxLevel}` };
  }
  const gate = levelGate(next, options.migration);
  if (gate.run) return { level: next };
  if (gate.instead === 'ask') return { level: next, ask: { reason: gate.reason, question: gate.question } };
  return { stop: gate.instead === 'fix-forward' ? 'fix-forward' : 'migration-rule', reason: gate.reason };
}
