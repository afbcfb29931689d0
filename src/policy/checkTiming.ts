// When a check runs while it verifies a level or a wave: its own settle and re-check where
// it has them (seed 004 §2.4 waits for metrics before the metrics alone; §2.5 re-runs only
// the SLO tests), else the level's verification. Pure.
import { parseDuration } from '../plan/duration';
import type { Plan, Verification } from '../plan/schema';

export interface CheckTiming {
  /** Milliseconds to wait before the check's first run, besides the level's settle. */
  settleMs: number;
  /** Milliseconds from the end of the pass in which it failed to its re-check. */
  recheckAfterMs: number;
  rechecks: number;
  /** As written, for the timeline. */
  recheckAfter: string;
}

export function checkTiming(plan: Plan, name: string, verification: Verification): CheckTiming {
  const check = plan.checks[name];
  const recheckAfter = check?.recheckAfter ?? verification.recheckAfter;
  return {
    settleMs: check?.settle ? parseDuration(check.settle) : 0,
    recheckAfterMs: parseDuration(recheckAfter),
    rechecks: check?.rechecks ?? verification.rechecks,
    recheckAfter,
  };
}
