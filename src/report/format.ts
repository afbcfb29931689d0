// Small, pure text helpers for reports.
import type { Plan } from '../plan/schema';
import { rolesHeldBy } from '../policy/approvers';

/** "12m 30s", "45s", "1h 5m", "24h", "850ms" — the way people write durations in incident reports. */
export function humanDuration(ms: number): string {
  if (ms < 0) return `-${humanDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const parts = [h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean) as string[];
  return parts.slice(0, 2).join(' ');
}

export function between(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? undefined : b - a;
}

/** "2025-10-14" from an ISO time. */
export function dateOf(iso: string | undefined): string | undefined {
  return iso?.slice(0, 10);
}

/** The earliest of some ISO times. */
export function earliest(...times: (string | undefined)[]): string | undefined {
  const known = times.filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)));
  return known.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}

export function latest(...times: (string | undefined)[]): string | undefined {
  const known = times.filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)));
  return known.sort((a, b) => Date.parse(b) - Date.parse(a))[0];
}

/** Title Case for section headings ("root cause" → "Root Cause"), keeping parentheses. */
export function titleCase(text: string): string {
  return text.replace(/(^|[\s(/-])([a-z])/g, (_m, lead: string, c: string) => lead + c.toUpperCase());
}

export const TO_FILL = '_to be filled_';

/** "U0GENTECHLD (Tech Lead)", "the plan's decision table", "the clock (…)". */
export function whoIs(plan: Plan, by: string): string {
  if (by === 'plan') return "the plan's decision table";
  if (by === 'clock') return 'the clock (nobody answered in time; the default applied)';
  const titles = rolesHeldBy(plan, by).map((role) => plan.authority.roles[role].title);
  return titles.length ? `${by} (${titles.join(', ')})` : by;
}
