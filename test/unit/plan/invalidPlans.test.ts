// Plans that must be refused, each with the field path, the line and a message a
// person can act on. Fixtures: test/fixtures/plans/invalid/.
import { expect } from '@jest/globals';
import { join } from 'node:path';
import { loadPlanFile } from '../../../src/validation/files';
import { PlanError, type PlanIssue } from '../../../src/validation/parse';

const dir = join(__dirname, '../../fixtures/plans/invalid');

function issuesOf(file: string): readonly PlanIssue[] {
  try {
    loadPlanFile(join(dir, file));
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

const cases: [file: string, path: string, message: string, line: number][] = [
  ['unknown-step-type.yaml', 'levels[0].steps[0].type', 'unknown type "flag.toggle"; use one of: flag.disable, flag.enable', 34],
  ['window-without-unit.yaml', 'triggers[0].condition.for', 'a duration needs a number and a unit', 13],
  ['decision-table-hole.yaml', 'decisions[0].rules', 'decision table "main" has a hole: no rule decides trigger=Security, phase=50%', 21],
  ['approver-role-undefined.yaml', 'decisions[0].rules[1].outcome.approvers[0]', 'approver role "lead" is not defined', 24],
  ['cyclic-service-dependencies.yaml', 'targets.services[0].dependsOn', 'service dependencies form a cycle: api → db → api', 7],
  ['secret-routing-key.yaml', 'notifications.pagerduty.routingKeyEnv', 'this looks like a secret', 40],
  ['secret-slack-token.yaml', 'notifications.templates.started', 'this looks like a Slack token', 42],
  ['table-names-unknown-trigger.yaml', 'decisions[0].triggers[2]', 'trigger "Latency" is not defined', 19],
  ['trigger-without-decision.yaml', 'triggers[1].name', 'no decision table decides trigger "Latency"', 14],
  ['level-check-undefined.yaml', 'levels[0].checks[1]', 'check "smoke" is not defined', 36],
  ['threshold-without-comparator.yaml', 'triggers[0].condition.op', 'a threshold needs a comparator "op"', 13],
  ['value-band-wrong-unit.yaml', 'decisions[0].rules[0].when.value', '"> 500ms" is a time but trigger "ErrorRate" measures a fraction', 21],
  ['phase-undefined.yaml', 'decisions[0].rules[1].when.phase[0]', 'phase "10%" is not defined', 23],
  ['levels-escalate-in-a-circle.yaml', 'levels[0].onFailure', 'levels escalate in a circle: 1 → code → 1', 37],
  ['unknown-field.yaml', 'levels[0].steps[0]', 'unknown field "tiemout"', 34],
  ['ask-not-authorised.yaml', 'decisions[0].rules[1].outcome.approvers', 'oncall may not decide Security at 5%: authority.decide[0] allows lead', 24],
  ['unknown-placeholder.yaml', 'notifications.templates.started', 'unknown placeholder {{reasn}}', 42],
  // Seed 001 lines 118, 126: "ETA: [Estimated completion]", "resume within [timeframe]".
  [
    'eta-without-target.yaml',
    'notifications.templates.customer',
    '{{timeframe}} and {{eta}} are estimated from the target of the level being rolled back, or timing.sla: give level 1 a target, or give the plan timing.sla',
    42,
  ],
  ['delivery-attempt-outlasts-bound.yaml', 'notifications.delivery.attemptTimeout', 'one attempt (2m) cannot take longer than giveUpAfter (1m)', 42],
  ['quantity-without-number.yaml', 'triggers[0].condition.threshold', '"one percent" is not a quantity', 13],
  ['unknown-action.yaml', 'decisions[0].rules[2].outcome.action', 'unknown action "panic"; use one of: rollback, ask, prepare, monitor, fix-forward', 26],
  ['system-decision-asks-people.yaml', 'decisions[0].rules[1].outcome.action', 'says the system decides Security at 5%, but this rule asks people', 24],
  ['deploy-without-last-known-good.yaml', 'levels[0].steps[0].ref', 'service "api" has no lastKnownGood to deploy', 33],
  ['step-without-performer.yaml', 'levels[0].steps[1]', 'cache.flush needs adapters.cache, or a command', 36],
  // Seed 001 line 53, `git tag -l | grep stable`: the newest stable tag, found in the plan's repository.
  ['tag-pattern-without-git.yaml', 'targets.services[0].lastKnownGood.tag', 'a tag pattern is looked up in the repository of adapters.git', 7],
  ['ref-and-tag.yaml', 'targets.services[0].lastKnownGood.ref', 'give either "ref" or "tag"', 7],
  // Seed 001 lines 70-75 (database rollback: "Restore from backup if needed"): a fresh dump before anything destructive.
  [
    'backup-required-missing.yaml',
    'levels[0].steps[0]',
    'adapters.database.backups.required: this db.migrateDown needs a db.backup step before it in the same steps',
    34,
  ],
  [
    'backup-required-continues-on-error.yaml',
    'levels[0].steps[1]',
    'adapters.database.backups.required: the db.backup before this db.restore continues on error, so it could run without a backup',
    36,
  ],
  ['sla-without-timing.yaml', 'notifications.templates.started', "{{sla}} is the plan's timing.sla, and the plan has none", 42],
  ['yaml-syntax-error.yaml', '', 'All sequence items must start at the same column', 20],
  ['watched-trigger-without-query.yaml', 'triggers[0].condition.query', 'the plan watches its triggers: give the query that reads error_rate', 14],
];

describe('invalid plans are refused with the path, line and a precise message', () => {
  it.each(cases)('%s → %s', (file, path, message, line) => {
    const issues = issuesOf(file);
    expect(issues[0]).toEqual({ path, message: expect.stringContaining(message), line });
  });

  it('reports only the real problem, not follow-on holes from an unknown trigger', () => {
    expect(issuesOf('table-names-unknown-trigger.yaml')).toHaveLength(1);
  });

  it('names every step that nothing could perform, not only the first', () => {
    expect(issuesOf('step-without-performer.yaml').map((i) => `${i.path}: ${i.message}`)).toEqual([
      'levels[0].steps[1]: cache.flush needs adapters.cache, or a command',
      'levels[0].steps[2].command: service.restart needs a command: no adapter performs it',
    ]);
  });

  it('the fixture every invalid plan starts from is itself valid', () => {
    expect(loadPlanFile(join(__dirname, '../../fixtures/plans/valid-minimal.yaml')).name).toBe('fixture');
  });
});
