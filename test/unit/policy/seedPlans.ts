// The seed plans, loaded once for the policy tests.
import { DEFAULT_PLANS_DIR, loadPlanDirectory } from '../../../src/validation/files';
import type { Plan } from '../../../src/plan/schema';

const plans = loadPlanDirectory(DEFAULT_PLANS_DIR);

export function seedPlan(name: string): Plan {
  const plan = plans.get(name);
  if (!plan) throw new Error(`no plan ${name} in plans/`);
  return plan;
}

/** Samples every `stepMs` from `start`, one per value. */
export function samples(values: number[], stepMs = 30_000, start = 0, series?: string) {
  return values.map((value, i) => ({ at: start + i * stepMs, value, ...(series ? { series } : {}) }));
}
