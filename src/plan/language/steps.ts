// Steps: one action on one target. Every typed step may carry the `command` that
// performs it in the runbook's own world (e.g. `traffic-split --treatment 0`); the
// engine runs that command when given, otherwise the adapter the plan names.
import { z } from 'zod';
import { DecisionDefault, Quorum } from './outcomeParts';
import { Duration, Slug, unknownVariant } from './common';

export const StepApprovalSchema = z
  .strictObject({
    approvers: z
      .array(Slug)
      .min(1)
      .meta({ description: 'Roles whose members may approve the step.', examples: [['dba']], seed: '004' }),
    window: Duration.meta({ description: 'How long the approvers have to answer.', examples: ['15m'], seed: '004' }),
    default: DecisionDefault.meta({
      description: '"rollback" runs the step when nobody answers in time; "hold" stops the rollback there and the run ends held (no deeper level).',
      examples: ['hold'],
      seed: '004',
    }),
    quorum: Quorum.default('any'),
    reason: z
      .string()
      .optional()
      .meta({
        description: 'Why the approval is needed; shown to the approvers.',
        examples: ['STOP: consult the database administrator before proceeding'],
        seed: '004',
      }),
  })
  .meta({ description: 'An extra approval a step needs before it runs (e.g. "always consult the DBA").' });

const StepCommon = {
  name: z
    .string()
    .optional()
    .meta({ description: 'What the step is for, as the runbook says it; shown in explain and the incident.', examples: ['emergency stop'], seed: '002' }),
  command: z
    .string()
    .min(1)
    .optional()
    .meta({
      description: "The runbook's own command that performs the step (run with bash, `set -euo pipefail`); without it, the adapter the plan names acts.",
      examples: ['traffic-split --treatment 0 --control 100'],
      seed: '002',
    }),
  timeout: Duration.optional().meta({ description: 'How long the step may take (by default `defaults.stepTimeout`).', examples: ['10s'], seed: '002' }),
  continueOnError: z
    .boolean()
    .default(false)
    .meta({ description: "Keep going when the step fails (the runbook's `|| true`).", examples: [true], seed: '001' }),
  approval: StepApprovalSchema.optional(),
};

const StepType = <T extends string>(type: T) => z.literal(type).meta({ description: 'The action; each type below says what it takes.' });

const step = <T extends string, S extends z.ZodRawShape>(type: T, description: string, shape: S) =>
  z.strictObject({ type: StepType(type), ...StepCommon, ...shape }).meta({ description });

const Ref = z.string().min(1);
const LAST_KNOWN_GOOD =
  '"last-known-good" means each service\'s `targets.services[].lastKnownGood`: its `ref`, or the tag its `tag` pattern resolved to in the run.';
const StepService = Slug.optional().meta({
  description: "Service of `targets.services` the step acts on (by default the incident's service).",
  examples: ['lens-search'],
  seed: '002',
});
const Flag = z
  .string()
  .min(1)
  .meta({ description: 'Name of the flag in the flag store (`adapters.flags`).', examples: ['ff_reserves_v11'], seed: '000' });

export const StepSchema = z
  .discriminatedUnion(
    'type',
    [
      step('flag.disable', 'Turns a feature flag off (the kill switch); reads the flag back.', { flag: Flag }),
      step('flag.enable', 'Turns a feature flag on (e.g. a shadow mode); reads the flag back.', { flag: Flag }),
      // A gradual rollout dialled back rather than switched off: on for `percent` % of users,
      // serving `variant`; what the step leaves out stays as the flag store has it.
      step('flag.rollout', "Sets a flag's gradual rollout: the share of users it is on for, the variant they get, or both; reads them back.", {
        flag: Flag,
        percent: z
          .number()
          .int('a rollout is a whole percent')
          .min(0)
          .max(100)
          .optional()
          .meta({ description: 'Share of users the flag is on for, in whole percent (0 keeps it on for nobody).', examples: [10] }),
        variant: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'The variant every one of them gets (e.g. "control").', examples: ['control'], seed: '002' }),
      }).refine((s) => s.percent !== undefined || s.variant !== undefined, { message: 'a flag.rollout sets a percent, a variant or both' }),
      step('traffic.shift', "Sends a service's traffic to a pool of `adapters.traffic` (nginx or HAProxy); reads the weights back.", {
        service: StepService,
        to: z
          .string()
          .min(1)
          .meta({ description: 'Pool that receives the traffic (e.g. "control", "baseline").', examples: ['control'], seed: '002' }),
        percent: z
          .number()
          .min(0)
          .max(100)
          .default(100)
          .meta({ description: 'Share of the traffic the pool receives.', examples: [100], seed: '002' }),
      }),
      step('traffic.drain', 'Waits for in-flight requests to finish before the next step.', {
        service: StepService,
        wait: Duration.meta({ description: 'Wait for in-flight requests.', examples: ['30s'], seed: '004' }),
        maxActive: z
          .number()
          .int()
          .min(0)
          .optional()
          .meta({
            description: 'Still more active requests than this after `wait` → ask again every second, for at most `extraWait` more.',
            examples: [10],
            seed: '004',
          }),
        extraWait: Duration.optional().meta({
          description: 'How much longer to wait for `maxActive` at most; a drain that did not empty goes on with a warning.',
          examples: ['30s'],
          seed: '004',
        }),
      }),
      step('config.revert', 'Restores a config path from a git ref in `adapters.git`; compares the path with the ref afterwards.', {
        service: StepService,
        path: z
          .string()
          .min(1)
          .meta({ description: 'Path in the repository to restore.', examples: ['config/'], seed: '001' }),
        ref: Ref.meta({ description: `Git ref to restore from. ${LAST_KNOWN_GOOD}`, examples: ['HEAD~1'], seed: '001' }),
      }),
      step('git.checkout', 'Checks out a git ref in `adapters.git`; reads the checked-out commit back.', {
        ref: Ref.meta({ description: `Git ref to check out. ${LAST_KNOWN_GOOD}`, examples: ['HEAD~1'], seed: '004' }),
        paths: z
          .array(z.string().min(1))
          .optional()
          .meta({ description: 'Only these paths (by default the whole tree).', examples: [['config/']] }),
      }),
      step('deploy.run', "Deploys a ref with the step's `command`, once per service in dependency waves.", {
        services: z
          .union([z.literal('all'), z.array(Slug).min(1)])
          .default('all')
          .meta({
            description: 'Services to deploy, in dependency waves (dependencies first); "all" = every service.',
            examples: [['core-api', 'user-auth']],
            seed: '001',
          }),
        ref: Ref.default('last-known-good').meta({ description: `Ref to deploy. ${LAST_KNOWN_GOOD}`, examples: ['last-known-good'], seed: '003' }),
      }),
      step('service.stop', "Stops a service with the step's `command`.", { service: StepService }),
      step('service.start', "Starts a service with the step's `command`.", { service: StepService }),
      step('service.restart', "Restarts a service with the step's `command`.", { service: StepService }),
      step('cache.flush', 'Empties a cache of `adapters.cache` (Redis FLUSHDB); reads the number of keys left.', {
        cache: z
          .string()
          .min(1)
          .meta({ description: 'Cache name, a key of `adapters.cache.caches`.', examples: ['configuration'], seed: '002' }),
      }),
      step('db.migrateDown', 'Undoes migrations of `adapters.database` down to a version; reads the applied migrations back.', {
        to: z
          .string()
          .min(1)
          .meta({ description: 'Migration version to go down to (it stays applied; "0" reverts them all).', examples: ['20240101120000'], seed: '001' }),
      }),
      step('db.restore', 'Restores the database from a backup; never runs twice in one run.', {
        backup: z
          .string()
          .min(1)
          .meta({ description: 'Backup to restore: a dump in `adapters.database.backups.dir`, or "latest".', examples: ['latest'], seed: '004' }),
      }),
      step(
        'db.backup',
        "pg_dump of the plan's database into the incident's folder, `<adapters.database.backups.dir>/<incident id>/` (seed 000 line 84: a copy kept before restoring); reads the dump's size back.",
        {},
      ),
      step('command.run', 'Runs a command of the runbook.', {
        command: z
          .string()
          .min(1)
          .meta({ description: 'The command (bash, `set -euo pipefail`).', examples: ['npm run config:validate'], seed: '001' }),
      }),
      step('wait', 'Waits (services initialising).', { duration: Duration.meta({ description: 'How long.', examples: ['10s'], seed: '004' }) }),
      step('notify.slack', 'Posts a message to Slack.', {
        template: Slug.meta({ description: 'Template of `notifications.templates`.', examples: ['rollback-started'], seed: '002' }),
        channel: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'Channel (by default `notifications.slack.channel`).', examples: ['#sprint-1-channel'], seed: '002' }),
      }),
      step('notify.pagerduty', 'Sends a PagerDuty event (Events API v2).', {
        template: Slug.meta({ description: "Template of `notifications.templates`, the event's summary.", examples: ['emergency'], seed: '004' }),
        severity: z
          .enum(['critical', 'error', 'warning', 'info'])
          .optional()
          .meta({ description: 'Severity of the event.', examples: ['critical'], seed: '004' }),
      }),
      step('notify.page', 'Pages the members of roles: mentions them in the incident channel.', {
        roles: z
          .array(Slug)
          .min(1)
          .meta({ description: 'Roles of `authority.roles` to page.', examples: [['devops-lead', 'tech-lead', 'leadership']], seed: '004' }),
        template: Slug.optional().meta({
          description: 'Template of `notifications.templates` (by default: the incident id and "needs you").',
          examples: ['emergency'],
          seed: '004',
        }),
      }),
    ],
    { error: unknownVariant('type') },
  )
  .meta({ id: 'Step', title: 'step', description: 'One action on one target, chosen by `type`.' });

export type Step = z.infer<typeof StepSchema>;
export type StepType = Step['type'];
