// Issue 11: an ask's approvers and quorum are enough; an `authority.decide` rule that also
// matches bounds the ask (seed 002 line 118: "QA DRI + Sprint DRI" at 50 %) without having
// to repeat it. What goes beyond the rule is still refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Plan } from '../../../src/plan/schema';
import { authorityFor, mayDecide } from '../../../src/policy/authority';
import { PlanError, parsePlan } from '../../../src/validation/parse';

const minimal = readFileSync(join(__dirname, '../../fixtures/plans/valid-minimal.yaml'), 'utf8');

/** The parts of the fixture this test rewrites (the loader checks the rest). */
interface FixtureDocument {
  authority: Record<string, unknown>;
  decisions: { rules: { outcome: unknown }[] }[];
}

/** The minimal plan with Security at 5 % asked as given, under the given decide rules. */
function planWith(ask: Record<string, unknown>, decide: Record<string, unknown>[]): Plan {
  const doc = parse(minimal) as FixtureDocument;
  doc.authority.roles = { oncall: { members: ['U0ONCALL01'] }, lead: { members: ['U0LEAD0001'] }, qa: { members: ['U0QA000001'] } };
  doc.authority.decide = decide;
  doc.decisions[0].rules[1].outcome = { action: 'ask', window: '5m', default: 'rollback', ...ask };
  return parsePlan(stringify(doc), 'fixture.yaml');
}

function refusal(ask: Record<string, unknown>, decide: Record<string, unknown>[]): string {
  try {
    planWith(ask, decide);
  } catch (err) {
    if (err instanceof PlanError) return err.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    throw err;
  }
  throw new Error('the plan was accepted');
}

const security = { trigger: 'Security', phase: '5%' };

describe('an ask within a broader rule needs no rule of its own', () => {
  const plan = planWith({ approvers: ['lead'], quorum: 'all' }, [{ when: { trigger: 'Security' }, roles: ['oncall', 'lead'] }]);
  const ask = plan.decisions[0].rules[1].outcome;
  if (ask.action !== 'ask') throw new Error('expected an ask');

  it('is accepted, and the ask says who decides and with which quorum', () => {
    expect(authorityFor(plan, security, ask)).toEqual({ system: false, roles: ['lead'], quorum: 'all', rule: 0 });
  });

  it('the rule’s other role may not decide this ask; without the ask the rule stands', () => {
    expect(mayDecide(plan, security, 'U0ONCALL01', ask)).toMatchObject({ allowed: false, reason: 'only lead may decide Security' });
    expect(mayDecide(plan, security, 'U0LEAD0001', ask).allowed).toBe(true);
    expect(authorityFor(plan, security)).toEqual({ system: false, roles: ['oncall', 'lead'], quorum: 'any', rule: 0 });
  });
});

describe('what goes beyond the rule is refused', () => {
  it.each([
    [
      'a role the rule leaves out',
      { approvers: ['oncall', 'qa'] },
      [{ when: { trigger: 'Security' }, roles: ['oncall', 'lead'] }],
      'decisions[0].rules[1].outcome.approvers: qa may not decide Security at 5%: authority.decide[0] allows oncall, lead',
    ],
    [
      'one voice where the rule needs all its roles',
      { approvers: ['lead', 'qa'], quorum: 'any' },
      [{ when: { trigger: 'Security' }, roles: ['lead', 'qa'], quorum: 'all' }],
      'decisions[0].rules[1].outcome.quorum: authority.decide[0] needs lead and qa to agree on Security at 5%: ask all of them, with quorum "all"',
    ],
    [
      'part of the roles a quorum-all rule needs',
      { approvers: ['qa'], quorum: 'all' },
      [{ when: { trigger: 'Security' }, roles: ['lead', 'qa'], quorum: 'all' }],
      'decisions[0].rules[1].outcome.quorum: authority.decide[0] needs lead and qa to agree on Security at 5%: ask all of them, with quorum "all"',
    ],
    [
      'people where the system decides',
      { approvers: ['oncall'] },
      [{ when: { trigger: 'Security' }, system: true }],
      'decisions[0].rules[1].outcome.action: authority.decide[0] says the system decides Security at 5%, but this rule asks people',
    ],
  ])('%s', (_name, ask, decide, message) => {
    expect(refusal(ask, decide)).toBe(message);
  });
});
