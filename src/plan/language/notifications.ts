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
      channel: z
        .string()
        .min(1)
        .meta({ description: 'Incident channel.', examples: ['#sprint-1-channel'], seed: '002' }),
      channels: z
        .record(Slug, z.string().min(1))
        .default({})
        .meta({ description: 'Further audiences by name (e.g. stakeholders, leadership).', examples: [{ engineering: '#lens-engineering' }], seed: '002' }),
    })
    .optional()
    .meta({ description: 'Slack: the incident channel and further audiences.' }),
  pagerduty: z
    .strictObject({
      routingKeyEnv: EnvVarName.meta({
        description: "Environment variable of the worker holding the PagerDuty integration's routing key.",
        examples: ['PAGERDUTY_ROUTING_KEY'],
        seed: '004',
      }),
      severity: z
        .enum(['critical', 'error', 'warning', 'info'])
        .default('critical')
        .meta({ description: 'Severity of the events sent.', examples: ['critical'], seed: '004' }),
    })
    .optional()
    .meta({ description: 'PagerDuty (Events API v2).' }),
  delivery: z
    .strictObject({
      attemptTimeout: Duration.default(DEFAULT_DELIVERY.attemptTimeout).meta({
        description: 'How long one attempt to send a message may take.',
        examples: ['5s'],
      }),
      giveUpAfter: Duration.default(DEFAULT_DELIVERY.giveUpAfter).meta({
        description: 'Retries go on in the background until this long after the first attempt; then the message is recorded as failed.',
        examples: ['5m'],
      }),
    })
    .default(DEFAULT_DELIVERY)
    .meta({
      description:
        'How long a message may take. Notifications run beside the run, never in its way: each attempt gets `attemptTimeout`, and retries (outages, rate limits) go on in the background until `giveUpAfter`, when the message is recorded as failed.',
    }),
  templates: z
    .record(Slug, z.string().min(1))
    .default({})
    .meta({
      description: `Message templates by name, with \`{{field}}\` placeholders: ${TEMPLATE_FIELDS.join(', ')}.`,
      examples: [{ 'rollback-started': 'Rollback of {{plan}} started: {{trigger}} ({{reason}})' }],
      seed: '002',
    }),
  announce: z
    .array(
      z.strictObject({
        at: Milestone.meta({ description: 'Milestone of the run that sends the message.', examples: ['decided'], seed: '004' }),
        template: Slug.meta({ description: 'Template of `templates`.', examples: ['rollback-initiated'], seed: '004' }),
        to: Slug.meta({ description: '"slack" (the incident channel), "pagerduty", or a key of `slack.channels`.', examples: ['slack'], seed: '004' }),
      }),
    )
    .default([])
    .meta({ description: 'Messages sent when the run reaches a milestone.' }),
});

export type Notifications = z.infer<typeof NotificationsSchema>;
