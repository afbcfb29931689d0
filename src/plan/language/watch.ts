// Watching: the plan evaluates its own metric and health triggers at a short interval
// (src/workflows/watch.ts), instead of waiting for an alert rule someone copied by hand.
import { z } from 'zod';
import { Duration, Slug } from './common';

export const WatchSchema = z.strictObject({
  /** Watching is on while this is true; `rollback watch stop` stops it without editing the plan. */
  enabled: z.boolean().default(true),
  /** How often every watched trigger is evaluated. */
  interval: Duration.default('5s'),
  /**
   * A metrics source (or a check) that cannot be read for this long pages the plan's first
   * escalation role. It never rolls back by itself: an unreadable source is an Error, not a Failed.
   */
  errorAfter: Duration.default('2m'),
  /** Services watched (default: every service in targets). */
  services: z.array(Slug).min(1).optional(),
  /** Environments watched (default: targets.environment). */
  environments: z.array(z.string().min(1)).min(1).optional(),
  /** Triggers watched (default: every metric and health trigger). */
  triggers: z.array(z.string().min(1)).min(1).optional(),
});

export type Watch = z.infer<typeof WatchSchema>;
