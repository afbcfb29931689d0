// Who decided a run: a person (their Slack user id), the plan's decision table ("plan"), or
// the clock ("clock": a decision window ran out and its default applied). Pure.
import type { DecisionMode } from '../plan/schema';

export function isPerson(by: string): boolean {
  return by !== 'plan' && by !== 'clock';
}

/**
 * How a run was decided, for time targets with a `mode`: automated unless a person decided,
 * so the plan's table and a window's default are both automated. While nothing is decided
 * yet (people are being asked) it counts as manual.
 */
export function decisionMode(by: string | undefined): DecisionMode {
  return by !== undefined && !isPerson(by) ? 'automated' : 'manual';
}

/**
 * How a run ends when a hold stands (the decision's, or a step approval's): a person who says
 * hold rejects the rollback; the plan or a window's default holds it. Pure.
 */
export function holdEnding(by: string): 'rejected' | 'held' {
  return isPerson(by) ? 'rejected' : 'held';
}
