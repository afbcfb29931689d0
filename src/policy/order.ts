// Order of a multi-service rollback: services in dependency waves, dependencies first
// (seed 003 §4.4: backend, then frontend after backend stabilisation). Pure.
import type { Plan, Service } from '../plan/schema';

/** A dependency cycle as a path that returns to its start, or undefined. */
export function findCycle(services: readonly Service[]): string[] | undefined {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const s of services) {
    const cycle = visit(s.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The selected services (all by default) in waves: a service's wave comes after the
 * waves of everything it depends on, directly or through services not selected.
 */
export function rollbackWaves(plan: Plan, selected?: readonly string[]): string[][] {
  const byName = new Map(plan.targets.services.map((s) => [s.name, s]));
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const deps = byName.get(name)?.dependsOn ?? [];
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depthOf));
    depth.set(name, d);
    return d;
  };
  const names = selected ?? plan.targets.services.map((s) => s.name);
  const waves: string[][] = [];
  for (const name of names) (waves[depthOf(name)] ??= []).push(name);
  return waves.filter((w) => w !== undefined);
}
