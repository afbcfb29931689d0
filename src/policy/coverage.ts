// Holes in a decision table: contexts that no rule decides. Every fact a table tests
// is split into cells at the boundaries its rules use (each listed value; each range
// end, the points between them and beyond them); within a cell every rule either
// always or never matches, so trying one point per cell finds every hole. Pure.
import { formatQuantity, parseRange, type QuantityKind } from '../plan/quantity';
import { Migration, type DecisionTable, type Plan } from '../plan/schema';
import { dimensionsOf, findTrigger, LISTED_DIMENSIONS, matchesWhen, NUMERIC_DIMENSIONS, type DecisionContext, type Dimension } from './context';

/** The values each fact can take; impact is a share of users. */
const NUMERIC_DOMAIN: Record<(typeof NUMERIC_DIMENSIONS)[number], [number, number]> = {
  value: [0, Infinity],
  impact: [0, 1],
  timeToFix: [0, Infinity],
  heldFor: [0, Infinity],
};

function representatives(bounds: number[], [low, high]: [number, number]): number[] {
  const points = [...new Set([low, ...bounds.filter((b) => b >= low && b <= high), ...(Number.isFinite(high) ? [high] : [])])].sort((a, b) => a - b);
  const between = points.slice(1).map((p, i) => (points[i] + p) / 2);
  const beyond = Number.isFinite(high) ? [] : [points[points.length - 1] * 2 || 1];
  return [...points, ...between, ...beyond].sort((a, b) => a - b);
}

function listedDomain(plan: Plan, dimension: (typeof LISTED_DIMENSIONS)[number]): readonly string[] {
  switch (dimension) {
    case 'phase':
      return plan.rollout?.phases ?? [];
    case 'severity':
      return plan.severities ?? [];
    case 'migration':
      return Migration.options;
  }
}

/** The cell in words, naming only the facts the trigger's own rules look at. */
function describe(context: DecisionContext, kinds: Map<Dimension, QuantityKind>, relevant: ReadonlySet<string>): string {
  return Object.entries(context)
    .filter(([key]) => key === 'trigger' || relevant.has(key))
    .map(([key, value]) => (typeof value === 'number' ? `${key}=${formatQuantity(value, kinds.get(key as Dimension) ?? 'number')}` : `${key}=${value}`))
    .join(', ');
}

/** Up to `limit` contexts that no rule of the table decides, described for a person. */
export function findHoles(plan: Plan, table: DecisionTable, limit = 3): string[] {
  const whens = table.rules.map((r) => r.when);
  let cells: DecisionContext[] = table.triggers.map((trigger) => ({ trigger }));
  const kinds = new Map<Dimension, QuantityKind>();
  for (const dimension of LISTED_DIMENSIONS) {
    if (!whens.some((w) => w[dimension])) continue;
    const values = listedDomain(plan, dimension);
    cells = cells.flatMap((cell) => values.map((v) => ({ ...cell, [dimension]: v })));
  }
  for (const dimension of NUMERIC_DIMENSIONS) {
    const ranges = whens.flatMap((w) => (w[dimension] ? [parseRange(w[dimension])] : []));
    if (ranges.length === 0) continue;
    kinds.set(dimension, ranges[0].kind);
    const bounds = ranges.flatMap((r) => [r.min, r.max].filter((b): b is number => b !== undefined));
    const values = representatives(bounds, NUMERIC_DOMAIN[dimension]);
    cells = cells.flatMap((cell) => values.map((v) => ({ ...cell, [dimension]: v })));
  }
  const holes = new Set<string>();
  for (const cell of cells) {
    const trigger = findTrigger(plan, cell.trigger);
    if (!whens.some((w) => matchesWhen(w, cell, trigger))) {
      const own = whens.filter((w) => !w.trigger || w.trigger.includes(cell.trigger));
      holes.add(describe(cell, kinds, new Set(own.flatMap(dimensionsOf))));
      if (holes.size >= limit) break;
    }
  }
  return [...holes];
}
