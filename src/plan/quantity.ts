// Quantities in plans carry their unit ("0.5%", "500ms", "0.5184") so that a threshold
// can never be read in the wrong unit. Values are normalised to one base unit per kind:
// a fraction for percentages (0.5% → 0.005), milliseconds for times, a plain number
// (a ratio or a count) when no unit is written. Pure: imported by workflows too.
import { formatDuration } from './duration';

export type QuantityKind = 'fraction' | 'time' | 'number';

export interface Quantity {
  /** In the kind's base unit: fraction, milliseconds or plain number. */
  value: number;
  kind: QuantityKind;
  text: string;
}

const UNITS: Record<string, { kind: QuantityKind; factor: number }> = {
  '%': { kind: 'fraction', factor: 0.01 },
  ms: { kind: 'time', factor: 1 },
  s: { kind: 'time', factor: 1000 },
  m: { kind: 'time', factor: 60_000 },
  h: { kind: 'time', factor: 3_600_000 },
  '': { kind: 'number', factor: 1 },
};

export const QUANTITY_PATTERN = /^([+-]?\d+(?:\.\d+)?)\s*(%|ms|s|m|h)?$/;

export const QUANTITY_HINT = 'write a number with an optional unit (%, ms, s, m, h), e.g. "0.5%", "500ms", "0.5184"';

export function parseQuantity(text: string | number): Quantity {
  const source = String(text).trim();
  const match = QUANTITY_PATTERN.exec(source);
  if (!match) throw new Error(`"${source}" is not a quantity: ${QUANTITY_HINT}`);
  const unit = UNITS[match[2] ?? ''];
  return { value: scaled(Number(match[1]), unit.factor), kind: unit.kind, text: source };
}

/**
 * value × factor, rounded to 12 significant digits so that unit conversions compare
 * exactly: "0.1%" is 0.001 and 0.232 s is 232 ms, not 232.00000000000003.
 */
export function scaled(value: number, factor: number): number {
  return Number((value * factor).toPrecision(12));
}

/**
 * A value in its kind's base unit, written the way plans write it: 0.005 → "0.5%",
 * 120000 → "2m", 232 → "232ms". Check results and decision-table holes both say values so.
 */
export function formatQuantity(value: number, kind: QuantityKind): string {
  if (kind === 'fraction') return `${scaled(value, 100)}%`;
  if (kind === 'time') return Number.isInteger(value) ? formatDuration(value) : `${scaled(value, 1)}ms`;
  return String(scaled(value, 1));
}

/** Units a metric source may report raw samples in; converted to the base unit. */
export const SAMPLE_UNITS = { ratio: 1, '%': 0.01, ms: 1, s: 1000 } as const;
export type SampleUnit = keyof typeof SAMPLE_UNITS;

export const COMPARATORS = ['>', '>=', '<', '<=', '='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export function compare(value: number, op: Comparator, limit: number): boolean {
  switch (op) {
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '=':
      return value === limit;
  }
}

/**
 * A band of values: one comparison ("> 1%", "<= 2m") or an inclusive span
 * ("0.1% .. 1%"). Decision tables use bands to say "between 200ms and 500ms".
 */
export interface Range {
  min?: number;
  minInclusive: boolean;
  max?: number;
  maxInclusive: boolean;
  kind: QuantityKind;
  text: string;
}

export const RANGE_HINT = 'write "> 1%", ">= 0.1%", "< 95%", "<= 2m", "= 100%" or an inclusive span "0.1% .. 1%"';

export function parseRange(text: string): Range {
  const source = text.trim();
  const span = /^(.+?)\s*\.\.\s*(.+)$/.exec(source);
  if (span) {
    const low = parseQuantity(span[1]);
    const high = parseQuantity(span[2]);
    if (low.kind !== high.kind) throw new Error(`"${source}" mixes units: both ends need the same kind of unit`);
    if (low.value > high.value) throw new Error(`"${source}" is empty: the low end is above the high end`);
    return { min: low.value, minInclusive: true, max: high.value, maxInclusive: true, kind: low.kind, text: source };
  }
  const single = /^(>=|<=|>|<|=)\s*(.+)$/.exec(source);
  if (!single) throw new Error(`"${source}" is not a range: ${RANGE_HINT}`);
  const op = single[1] as Comparator;
  const { value, kind } = parseQuantity(single[2]);
  switch (op) {
    case '>':
    case '>=':
      return { min: value, minInclusive: op === '>=', maxInclusive: false, kind, text: source };
    case '<':
    case '<=':
      return { max: value, maxInclusive: op === '<=', minInclusive: false, kind, text: source };
    case '=':
      return { min: value, max: value, minInclusive: true, maxInclusive: true, kind, text: source };
  }
}

export function inRange(range: Range, value: number): boolean {
  if (range.min !== undefined && (range.minInclusive ? value < range.min : value <= range.min)) return false;
  if (range.max !== undefined && (range.maxInclusive ? value > range.max : value >= range.max)) return false;
  return true;
}
