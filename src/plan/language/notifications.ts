// Notifications: where announcements go and what they say. Secrets are never written in
// a plan: PagerDuty's routing key is named by its environment variable.
import { z } from 'zod';
import { Duration, EnvVarName, Slug } from './common';
import { Milestone } from './timing';
import { DEFAULT_DELIVERY } from '../delivery';

/** Values the engine fills into `{{placeholders}}` of a message template. */
export const TEMPLATE_FIELDS = [
  'plan',
  'incident',
  'trigger',
  'reason',
  'environment',
  'services',
  'impact',
  'level',
  'eta',
  'lead',
  'time',
  'timeframe',
  'duration',
  'sla',
  'status',
  'version',
  'value',
  'threshold',
  'metrics',
] as const;

export const NotificationsSchema = z.strictObject({
  slack: z
    .strictObject({
      /** Incident channel. */
      channel: z.string().min(1),
      /** Further audiences by name (e.g. stakeholders, leadership). */
      channels: z.record(Slug, z.string().min(1)).default({}),
    })
    .optional(),
  pagerduty: z
    .strictObject({
      routingKeyEnv: EnvVarName,
      severity: z.enum(['critical', 'error', 'warning', 'info']).default('critical'),
    })
    .optional(),
  /**
   * How long a message may take. Notifications run beside the run, never in its way: each
   * attempt gets `attemptTimeout`, and retries (outages, rate limits) go on in the background
   * until `giveUpAfter`, when the message is recorded as failed.
   */
  delivery: z
    .strictObject({
      attemptTimeout: Duration.default(DEFAULT_DELIVERY.attemptTimeout),
      giveUpAfter: Duration.default(DEFAULT_DELIVERY.giveUpAfter),
    })
    .default(DEFAULT_DELIVERY),
  /** Message templates by name, with `{{field}}` placeholders. */
  templates: z.record(Slug, z.string().min(1)).default({}),
  /** Messages sent when the run reaches a milestone. */
  announce: z
    .array(
      z.strictObject({
        at: Milestone,
        template: Slug,
        /** "slack" (the incident channel), "pagerduty", or a key of `slack.channels`. */
        to: Slug,
      }),
    )
    .default([]),
});

export type Notifications = z.infer<typeof NotificationsSchema>;
