// Decision tables must be whole: every trigger decided by exactly one table, every
// name they use defined, no context left without a rule, asks addressed to people who
// may decide, and value bands in the unit of the trigger they test.
import { parseQuantity, parseRange } from '../plan/quantity';
import type { DecisionRule, DecisionTable, Outcome, Plan } from '../plan/schema';
import { authorityFor, beyondRule } from '../policy/authority';
import { findHoles } from '../policy/coverage';
import type { IssueList, Segments } from './issues';
import { checkSteps } from './stepChecks';

function checkListed(plan: Plan, rule: DecisionRule, at: Segments, issues: IssueList): void {
  const { phase, severity } = rule.when;
  if (phase) {
    if (!plan.rollout) issues.add([...at, 'when', 'phase'], 'a decision by phase needs rollout.phases');
    else issues.references([...at, 'when', 'phase'], phase, plan.rollout.phases, 'phase');
  }
  if (severity) {
    if (!plan.severities) issues.add([...at, 'when', 'severity'], 'a decision by severity needs severities');
    else issues.references([...at, 'when', 'severity'], severity, plan.severities, 'severity');
  }
}

function checkValueUnit(plan: Plan, table: DecisionTable, rule: DecisionRule, at: Segments, issues: IssueList): void {
  if (!rule.when.value) return;
  const band = parseRange(rule.when.value);
  for (const name of rule.when.trigger ?? table.triggers) {
    const trigger = plan.triggers.find((t) => t.name === name);
    if (!trigger) continue;
    if (trigger.kind !== 'metric') {
      issues.add([...at, 'when', 'value'], `trigger "${name}" is a ${trigger.kind} trigger and has no metric value`);
      continue;
    }
    const reference = trigger.condition.threshold ?? trigger.condition.baseline?.absolute;
    const kind = reference === undefined ? undefined : parseQuantity(reference).kind;
    if (kind !== undefined && kind !== band.kind) {
      issues.add([...at, 'when', 'value'], `"${rule.when.value}" is a ${band.kind} but trigger "${name}" measures a ${kind}`);
    }
  }
}

function checkOutcome(plan: Plan, outcome: Outcome, at: Segments, issues: IssueList): void {
  if (outcome.action === 'ask') issues.references([...at, 'approvers'], outcome.approvers, Object.keys(plan.authority.roles), 'approver role');
  if (outcome.action === 'ask' || outcome.action === 'rollback') {
    if (outcome.level !== undefined && !plan.levels.some((l) => l.level === outcome.level)) {
      issues.add([...at, 'level'], `level ${outcome.level} is not defined in levels`);
    }
    if (outcome.maxLevel !== undefined && outcome.maxLevel < (outcome.level ?? 1)) {
      issues.add([...at, 'maxLevel'], `maxLevel ${outcome.maxLevel} is below the starting level ${outcome.level ?? 1}`);
    }
  }
  if (outcome.steps) checkSteps(plan, outcome.steps, [...at, 'steps'], issues);
}

/**
 * An ask's approvers and quorum are enough by themselves; where an `authority.decide` rule
 * matches too, the ask must stay within it: no role the rule leaves out, no looser quorum
 * (seed 002 line 118: "QA DRI + Sprint DRI" at 50 %), and no people where the system decides.
 */
function checkAskAuthority(plan: Plan, table: DecisionTable, rule: DecisionRule, at: Segments, issues: IssueList): void {
  const ask = rule.outcome;
  if (ask.action !== 'ask') return;
  const phases: (string | undefined)[] = rule.when.phase ?? plan.rollout?.phases ?? [undefined];
  for (const trigger of rule.when.trigger ?? table.triggers) {
    for (const phase of phases) {
      const authority = authorityFor(plan, { trigger, ...(phase ? { phase } : {}) });
      if (authority?.rule === undefined) continue;
      const decideRule = plan.authority.decide[authority.rule];
      const beyond = beyondRule(decideRule, ask);
      if (!beyond) continue;
      const where = `${trigger}${phase ? ` at ${phase}` : ''}`;
      const rulePath = `authority.decide[${authority.rule}]`;
      if ('system' in beyond) issues.add([...at, 'outcome', 'action'], `${rulePath} says the system decides ${where}, but this rule asks people`);
      else if ('outsiders' in beyond)
        issues.add(
          [...at, 'outcome', 'approvers'],
          `${beyond.outsiders.join(', ')} may not decide ${where}: ${rulePath} allows ${decideRule.roles.join(', ')}`,
        );
      else
        issues.add(
          [...at, 'outcome', 'quorum'],
          `${rulePath} needs ${decideRule.roles.join(' and ')} to agree on ${where}: ask all of them, with quorum "all"`,
        );
      return;
    }
  }
}

export function checkDecisions(plan: Plan, issues: IssueList): void {
  const triggerNames = plan.triggers.map((t) => t.name);
  const deciders = new Map<string, string[]>();
  plan.decisions.forEach((table, i) => {
    const at: Segments = ['decisions', i];
    if (plan.decisions.findIndex((t) => t.name === table.name) !== i) issues.add([...at, 'name'], `decision table "${table.name}" is defined twice`);
    const before = issues.issues.length;
    issues.references([...at, 'triggers'], table.triggers, triggerNames, 'trigger');
    table.triggers.forEach((t) => deciders.set(t, [...(deciders.get(t) ?? []), table.name]));
    table.rules.forEach((rule, j) => {
      const ruleAt: Segments = [...at, 'rules', j];
      if (rule.when.trigger) {
        issues.references([...ruleAt, 'when', 'trigger'], rule.when.trigger, table.triggers, 'trigger (of this table)');
      }
      checkListed(plan, rule, ruleAt, issues);
      checkValueUnit(plan, table, rule, ruleAt, issues);
      checkOutcome(plan, rule.outcome, [...ruleAt, 'outcome'], issues);
      checkAskAuthority(plan, table, rule, ruleAt, issues);
    });
    // Holes are only meaningful once every name in the table resolves.
    if (issues.issues.length === before) {
      const holes = findHoles(plan, table);
      if (holes.length > 0) {
        issues.add([...at, 'rules'], `decision table "${table.name}" has a hole: no rule decides ${holes.join('; nor ')}`);
      }
    }
  });
  plan.triggers.forEach((trigger, i) => {
    const tables = deciders.get(trigger.name) ?? [];
    if (tables.length === 0) issues.add(['triggers', i, 'name'], `no decision table decides trigger "${trigger.name}"`);
    if (tables.length > 1) issues.add(['triggers', i, 'name'], `trigger "${trigger.name}" is decided by several tables: ${tables.join(', ')}`);
  });
}
