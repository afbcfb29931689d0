// Validation of the rules runbooks state that issue 11 added to the plan language: each is
// accepted where a seed says it and refused, with the field and a message a person can act
// on, where it cannot mean anything.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Plan } from '../../../src/plan/schema';
import { parsePlan, PlanError, type PlanIssue } from '../../../src/validation/parse';
import { type PlanDocument, seedCheck } from '../../integration/seeds/seedPlan';

/** A seed plan from plans/, edited as YAML data before validation. */
function variant(name: string, edit: (doc: PlanDocument) => void): Plan | readonly PlanIssue[] {
  const doc = parse(readFileSync(resolve(__dirname, '../../../plans', `${name}.yaml`), 'utf8'), { merge: true }) as PlanDocument;
  edit(doc);
  try {
    return parsePlan(stringify(doc, { aliasDuplicateObjects: false }), `${name}.yaml (variant)`);
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
}

function issuesOf(result: Plan | readonly PlanIssue[]): string[] {
  return Array.isArray(result) ? result.map((i: PlanIssue) => `${i.path}: ${i.message}`) : [];
}

describe('authority.escalationScope', () => {
  it('002: the lens plan may escalate until the run ends (its decisions ask people)', () => {
    const plan = variant('lens-sprint1-canary', (doc) => (doc.authority.escalationScope = 'run')) as Plan;
    expect(plan.authority.escalationScope).toBe('run');
  });

  it('000: "decision" where every rule decides at once is refused at each later step: it would never page', () => {
    const result = variant('reserves-v11', (doc) => {
      doc.authority.escalationScope = 'decision';
      // §3 Conservation Violations prepares; without it every reserves rule rolls back at once.
      doc.decisions[0].rules[2].outcome = { action: 'rollback', level: 1 };
    });
    const refusal = 'escalationScope "decision" ends escalation at the first decision, and every decision rule decides at once';
    expect(issuesOf(result)).toEqual([
      expect.stringContaining(`authority.escalation[1].after: ${refusal}`),
      expect.stringContaining(`authority.escalation[2].after: ${refusal}`),
    ]);
  });

  it('000: with §3 preparing (a decision that waits), "decision" is accepted', () => {
    const plan = variant('reserves-v11', (doc) => (doc.authority.escalationScope = 'decision')) as Plan;
    expect(plan.authority.escalationScope).toBe('decision');
  });

  it('an unknown scope names the ones there are', () => {
    const result = variant('genesis-phase4', (doc) => Object.assign(doc.authority, { escalationScope: 'forever' }));
    expect(issuesOf(result)).toEqual([expect.stringMatching(/^authority\.escalationScope: .*"decision".*"rollback".*"run"/)]);
  });
});

describe('settle and re-check per check', () => {
  it('004: the genesis plan says them per check (§2.4 metrics settle, §2.5 SLO re-check)', () => {
    const plan = variant('genesis-phase4', () => undefined) as Plan;
    expect(plan.checks['prometheus-targets'].settle).toBe('10s');
    expect(plan.checks['slo-validation']).toMatchObject({ recheckAfter: '60s', rechecks: 1 });
  });

  it('004: a recheckAfter that nothing re-checks is refused: give it rechecks', () => {
    const result = variant('genesis-phase4', (doc) => delete seedCheck(doc, 'slo-validation', 'command').rechecks);
    expect(issuesOf(result)).toEqual([
      'checks.slo-validation.recheckAfter: check "slo-validation" is never re-checked, so recheckAfter never applies: give it rechecks',
    ]);
  });

  it('004: a check only monitoring runs has no level to settle or re-check in', () => {
    const result = variant('genesis-phase4', (doc) => (seedCheck(doc, 'p95-restored', 'metric').settle = '10s'));
    expect(issuesOf(result)).toEqual([
      'checks.p95-restored.settle: settle applies when check "p95-restored" verifies a level or a service, and no level or service lists it',
    ]);
  });
});

describe('time targets by canary phase and by who decided', () => {
  it('002: the lens plan scores the matrix decision times per phase', () => {
    const plan = variant('lens-sprint1-canary', () => undefined) as Plan;
    const byPhase = plan.timing!.targets.filter((t) => t.phases).map((t) => `${t.name} ${t.phases!.join()} ${t.within}`);
    expect(byPhase).toEqual(['gate-decision 5% 5m', 'gate-decision 25% 2m', 'ndcg-decision 5% 10m', 'ndcg-decision 25% 5m', 'ndcg-decision 50% 2m']);
  });

  it('a phase that is not one of rollout.phases, and a role that is not defined, are refused', () => {
    const result = variant('lens-sprint1-canary', (doc) => {
      doc.timing!.targets![2].decidedBy = ['sprint-dri', 'release-captain'];
      doc.timing!.sla = { from: 'detected', to: 'validated', within: '15m', phases: ['75%'] };
    });
    expect(issuesOf(result)).toEqual([
      'timing.targets[2].decidedBy[1]: role "release-captain" is not defined',
      'timing.sla.phases[0]: phase (of rollout.phases) "75%" is not defined',
    ]);
  });

  it('a phase target in a plan without rollout phases is refused: no run would have a phase', () => {
    const result = variant('genesis-phase4', (doc) => (doc.timing!.targets![0].phases = ['5%']));
    expect(issuesOf(result)).toEqual(['timing.targets[0].phases[0]: phase (of rollout.phases) "5%" is not defined']);
  });

  it('decidedBy with mode automated is refused: an automated decision has no person', () => {
    const result = variant('lens-sprint1-canary', (doc) => (doc.timing!.targets![1].decidedBy = ['sprint-dri']));
    expect(issuesOf(result)).toEqual([
      'timing.targets[1].decidedBy: decidedBy names people, and mode "automated" means no person decided: the target would never apply',
    ]);
  });
});
