// Percent splits shared by the traffic routers: one pool gets `percent` %, the others
// share the rest in proportion to what they had (equally when they had nothing).

/** The new share (0–100) of every pool after sending `percent` % to `pool`. */
export function splitPercent(current: Record<string, number>, pool: string, percent: number): Record<string, number> {
  const others = Object.keys(current).filter((p) => p !== pool);
  const rest = 100 - percent;
  const otherTotal = others.reduce((sum, p) => sum + Math.max(0, current[p] ?? 0), 0);
  const next: Record<string, number> = { [pool]: percent };
  for (const p of others) {
    next[p] = otherTotal > 0 ? (rest * Math.max(0, current[p] ?? 0)) / otherTotal : rest / others.length;
  }
  return next;
}

/** Shares in percent from raw weights (all zero → all zero). Rounded to 0.01 %. */
export function toPercent(weights: Record<string, number>): Record<string, number> {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(weights).map(([p, w]) => [p, total > 0 ? Math.round((w / total) * 10_000) / 100 : 0]));
}

export function checkPercent(percent: number): string | undefined {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) return `percent must be between 0 and 100, got ${percent}`;
  return undefined;
}
