// Watching: the plan evaluates its own metric and health triggers at a short interval
// (src/workflows/watch.ts), instead of waiting for an alert rule someone copied by hand.
import { z } from 'zod';
import { Duration, Slug } from './common';

export const WatchSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .meta({ description: 'Watching is on while this is true; `rollback watch stop` stops it without editing the plan.', examples: [false] }),
  interval: Duration.default('5s').meta({ description: 'How often every watched trigger is evaluated.', examples: ['10s'] }),
  errorAfter: Duration.default('2m').meta({
    description:
      "A metrics source (or a check) that cannot be read for this long pages the plan's first escalation role. It never rolls back by itself: an unreadable source is an Error, not a Failed.",
    examples: ['5m'],
  }),
  services: z
    .array(Slug)
    .min(1)
    .optional()
    .meta({ description: 'Services watched (default: every service in targets).', examples: [['lens-search']] }),
  environments: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({ description: 'Environments watched (default: targets.environment).', examples: [['production']] }),
  triggers: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({ description: 'Triggers watched (default: every metric and health trigger).', examples: [['ErrorRateCritical']] }),
});

export type Watch = z.infer<typeof WatchSchema>;
