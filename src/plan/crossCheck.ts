// Rules a field-by-field schema cannot see: references between parts of the plan.
import type { Plan } from './schema';

export interface CrossIssue {
  path: string;
  segments: (string | number)[];
  message: string;
}

function issue(segments: (string | number)[], message: string): CrossIssue {
  const path = segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${s}`)).join('');
  return { path, segments, message };
}

export function crossCheckPlan(plan: Plan): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const triggers = new Set(plan.triggers.map((t) => t.name));
  const roles = new Set(Object.keys(plan.authority.roles));
  const levels = new Set(plan.levels.map((l) => l.level));
  const services = new Set(plan.targets.services.map((s) => s.name));

  plan.targets.services.forEach((service, i) => {
    service.dependsOn.forEach((dep, j) => {
      if (!services.has(dep)) {
        issues.push(issue(['targets', 'services', i, 'dependsOn', j], `unknown service "${dep}"`));
      }
    });
  });

  plan.decisions.forEach((rule, i) => {
    if (rule.trigger !== '*' && !triggers.has(rule.trigger)) {
      issues.push(issue(['decisions', i, 'trigger'], `unknown trigger "${rule.trigger}"`));
    }
    const outcome = rule.outcome;
    if (outcome.action === 'ask') {
      outcome.approvers.forEach((role, j) => {
        if (!roles.has(role)) {
          issues.push(issue(['decisions', i, 'outcome', 'approvers', j], `approver role "${role}" is not defined in authority.roles`));
        }
      });
    }
    if ((outcome.action === 'ask' || outcome.action === 'rollback') && outcome.level && !levels.has(outcome.level)) {
      issues.push(issue(['decisions', i, 'outcome', 'level'], `level ${outcome.level} is not defined in levels`));
    }
  });

  plan.triggers.forEach((trigger, i) => {
    if (!plan.decisions.some((d) => d.trigger === trigger.name || d.trigger === '*')) {
      issues.push(issue(['triggers', i, 'name'], `no decision rule covers trigger "${trigger.name}"`));
    }
  });

  plan.levels.forEach((level, i) => {
    level.checks.forEach((name, j) => {
      if (!(name in plan.checks)) {
        issues.push(issue(['levels', i, 'checks', j], `unknown check "${name}"`));
      }
    });
  });
  return issues;
}
