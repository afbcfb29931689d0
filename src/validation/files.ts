// Reading plan files from disk: the only I/O of plan loading.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plan } from '../plan/schema';
import { parsePlan } from './parse';

export function loadPlanFile(path: string): Plan {
  return parsePlan(readFileSync(path, 'utf8'), path);
}

/** Every `*.yaml` / `*.yml` plan in a folder, by name; a duplicate name is an error. */
export function loadPlanDirectory(dir: string): Map<string, Plan> {
  const plans = new Map<string, Plan>();
  for (const file of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    const plan = loadPlanFile(join(dir, file));
    if (plans.has(plan.name)) {
      throw new Error(`${join(dir, file)}: plan name "${plan.name}" is already used by another file in ${dir}`);
    }
    plans.set(plan.name, plan);
  }
  return plans;
}

export const DEFAULT_PLANS_DIR = resolve(__dirname, '../../plans');
