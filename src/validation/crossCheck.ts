// Rules a field-by-field schema cannot see: references between parts of the plan,
// dependency cycles, placeholders and secrets. Decision tables have their own module.
// These rules ask policy (level chains, dependency order, authority, coverage), so plan
// validation sits above policy; src/plan stays the language that policy reads.
import { parseDuration } from '../plan/duration';
import type { Level, Plan } from '../plan/schema';
import { findLevel, levelId, nextLevel } from '../policy/levels';
import { findCycle } from '../policy/order';
import { checkDecisions } from './decisionChecks';
import { IssueList, type CrossIssue } from './issues';
import { findSecrets } from './secrets';
import { checkSteps, checkTemplate } from './stepChecks';
import { checkTemplates } from './templateChecks';

export type { CrossIssue } from './issues';

function duplicates(names: readonly string[]): Set<string> {
  return new Set(names.filter((n, i) => names.indexOf(n) !== i));
}

function checkServices(plan: Plan, issues: IssueList): void {
  const services = plan.targets.services;
  const names = services.map((s) => s.name);
  const dup = duplicates(names);
  services.forEach((service, i) => {
    if (dup.has(service.name)) issues.add(['targets', 'services', i, 'name'], `service "${service.name}" is defined twice`);
    issues.references(['targets', 'services', i, 'dependsOn'], service.dependsOn, names, 'service');
    issues.references(['targets', 'services', i, 'checks'], service.checks, Object.keys(plan.checks), 'check');
    if (service.lastKnownGood?.tag && !plan.adapters.git) {
      issues.add(['targets', 'services', i, 'lastKnownGood', 'tag'], 'a tag pattern is looked up in the repository of adapters.git, and the plan names none');
    }
  });
  const cycle = findCycle(services);
  if (cycle) {
    const at = names.indexOf(cycle[0]);
    issues.add(['targets', 'services', at, 'dependsOn'], `service dependencies form a cycle: ${cycle.join(' → ')}`);
  }
  const environments = plan.targets.environments;
  if (!environments.includes(plan.targets.environment)) {
    issues.add(['targets', 'environment'], `environment "${plan.targets.environment}" is not one of targets.environments (${environments.join(', ')})`);
  }
  plan.drills.forEach((drill, i) => {
    if (!environments.includes(drill.environment)) {
      issues.add(['drills', i, 'environment'], `environment "${drill.environment}" is not one of targets.environments (${environments.join(', ')})`);
    }
  });
}

function checkTriggers(plan: Plan, issues: IssueList): void {
  const dup = duplicates(plan.triggers.map((t) => t.name));
  plan.triggers.forEach((trigger, i) => {
    if (dup.has(trigger.name)) issues.add(['triggers', i, 'name'], `trigger "${trigger.name}" is defined twice`);
    if (trigger.kind === 'health' && !(trigger.condition.check in plan.checks)) {
      issues.add(['triggers', i, 'condition', 'check'], `check "${trigger.condition.check}" is not defined in checks`);
    }
  });
}

/**
 * A watched plan runs its triggers itself: each watched metric trigger needs the query it
 * runs (the metric name alone is not one), and a baseline-relative one needs where its
 * baseline comes from; watched names must exist.
 */
function checkWatch(plan: Plan, issues: IssueList): void {
  const watch = plan.watch;
  if (!watch?.enabled) return;
  issues.references(
    ['watch', 'services'],
    watch.services ?? [],
    plan.targets.services.map((s) => s.name),
    'service',
  );
  issues.references(['watch', 'environments'], watch.environments ?? [], plan.targets.environments, 'environment');
  issues.references(
    ['watch', 'triggers'],
    watch.triggers ?? [],
    plan.triggers.map((t) => t.name),
    'trigger',
  );
  (watch.triggers ?? []).forEach((name, i) => {
    if (plan.triggers.find((t) => t.name === name)?.kind === 'manual')
      issues.add(['watch', 'triggers', i], `trigger "${name}" is manual: a person declares it, nothing can watch it`);
  });
  plan.triggers.forEach((trigger, i) => {
    if (trigger.kind !== 'metric' || (watch.triggers && !watch.triggers.includes(trigger.name))) return;
    if (trigger.condition.query === undefined) {
      issues.add(['triggers', i, 'condition', 'query'], `the plan watches its triggers: give the query that reads ${trigger.condition.metric}`);
    }
    const baseline = trigger.condition.baseline;
    if (baseline && baseline.query === undefined && baseline.window === undefined) {
      issues.add(['triggers', i, 'condition', 'baseline'], 'the plan watches its triggers: give the baseline a "query" or a "window"');
    }
  });
  if (!plan.adapters.metrics && plan.triggers.some((t) => t.kind === 'metric' && (!watch.triggers || watch.triggers.includes(t.name)))) {
    issues.add(['adapters', 'metrics'], 'the plan watches metric triggers: name the metrics source they are read from');
  }
}

function checkLevels(plan: Plan, issues: IssueList): void {
  const ids = plan.levels.map(levelId);
  const dup = duplicates(ids);
  plan.levels.forEach((level, i) => {
    if (dup.has(ids[i])) {
      issues.add(['levels', i, level.id ? 'id' : 'level'], `level "${ids[i]}" is defined twice; give levels of the same depth distinct ids`);
    }
    issues.references(['levels', i, 'checks'], level.checks, Object.keys(plan.checks), 'check');
    checkSteps(plan, level.steps, ['levels', i, 'steps'], issues);
    const next = level.onFailure;
    if (next !== undefined && next !== 'stop') {
      if (!findLevel(plan, next)) issues.add(['levels', i, 'onFailure'], `level "${next}" is not defined in levels`);
      else if (String(next) === ids[i]) issues.add(['levels', i, 'onFailure'], 'a level cannot follow itself');
    }
  });
  const circle = escalationCircle(plan);
  if (circle) issues.add(['levels', plan.levels.indexOf(circle[0]), 'onFailure'], `levels escalate in a circle: ${circle.map(levelId).join(' → ')}`);
}

/** Deeper escalation must end: following onFailure from any level may not come back. */
function escalationCircle(plan: Plan): Level[] | undefined {
  for (const start of plan.levels) {
    const seen: Level[] = [start];
    let next = nextLevel(plan, start);
    while ('level' in next) {
      if (seen.includes(next.level)) return [...seen.slice(seen.indexOf(next.level)), next.level];
      seen.push(next.level);
      next = nextLevel(plan, next.level);
    }
  }
  return undefined;
}

/**
 * A check's own settle and re-check apply where it verifies a level or a wave of services;
 * its recheckAfter needs a re-check, its own or that of a level that runs it.
 */
function checkCheckTiming(plan: Plan, issues: IssueList): void {
  for (const [name, check] of Object.entries(plan.checks)) {
    const levels = plan.levels.filter((l) => l.checks.includes(name));
    const verifies = levels.length > 0 || plan.targets.services.some((s) => s.checks.includes(name));
    const own = (['settle', 'recheckAfter', 'rechecks'] as const).filter((field) => check[field] !== undefined);
    if (own.length && !verifies) {
      issues.add(
        ['checks', name, own[0]],
        `${own.join(', ')} ${own.length === 1 ? 'applies' : 'apply'} when check "${name}" verifies a level or a service, and no level or service lists it`,
      );
      continue;
    }
    const rechecked = check.rechecks ?? Math.max(plan.verification.rechecks, ...levels.map((l) => l.verification?.rechecks ?? 0));
    if (check.recheckAfter !== undefined && rechecked === 0) {
      issues.add(['checks', name, 'recheckAfter'], `check "${name}" is never re-checked, so recheckAfter never applies: give it rechecks`);
    }
  }
}

function checkAuthority(plan: Plan, issues: IssueList): void {
  const roles = Object.keys(plan.authority.roles);
  plan.authority.decide.forEach((rule, i) => issues.references(['authority', 'decide', i, 'roles'], rule.roles, roles, 'role'));
  plan.authority.escalation.forEach((step, i) => issues.references(['authority', 'escalation', i, 'roles'], step.roles, roles, 'role'));
  // Escalation "while nobody has decided" needs a decision that waits: with every rule deciding
  // at once, a later escalation step could never page anyone.
  const waits = plan.decisions.some((table) => table.rules.some((rule) => rule.outcome.action !== 'rollback' && rule.outcome.action !== 'fix-forward'));
  if (plan.authority.escalationScope === 'decision' && !waits) {
    plan.authority.escalation.forEach((step, i) => {
      if (parseDuration(step.after) > 0)
        issues.add(
          ['authority', 'escalation', i, 'after'],
          `escalationScope "decision" ends escalation at the first decision, and every decision rule decides at once (none asks, prepares or monitors): this step would never page anyone`,
        );
    });
  }
}

function checkOperations(plan: Plan, issues: IssueList): void {
  const checks = Object.keys(plan.checks);
  if (plan.monitoring) issues.references(['monitoring', 'checks'], plan.monitoring.checks, checks, 'check');
  const reopen = plan.monitoring?.reopenOn.triggers;
  if (Array.isArray(reopen))
    issues.references(
      ['monitoring', 'reopenOn', 'triggers'],
      reopen,
      plan.triggers.map((t) => t.name),
      'trigger',
    );
  if (plan.report?.template) checkTemplate(plan, plan.report.template, ['report', 'template'], issues);
  plan.drills.forEach((drill, i) =>
    drill.levels.forEach((ref, j) => {
      if (!findLevel(plan, ref)) {
        issues.add(['drills', i, 'levels', j], `level "${ref}" is not defined in levels`);
      }
    }),
  );
  plan.timing?.targets.forEach((t, i) => {
    if (t.triggers)
      issues.references(
        ['timing', 'targets', i, 'triggers'],
        t.triggers,
        plan.triggers.map((tr) => tr.name),
        'trigger',
      );
  });
  const channels = Object.keys(plan.notifications.slack?.channels ?? {});
  plan.notifications.announce.forEach((a, i) => {
    checkTemplate(plan, a.template, ['notifications', 'announce', i, 'template'], issues);
    const known = a.to === 'pagerduty' ? plan.notifications.pagerduty : a.to === 'slack' ? plan.notifications.slack : channels.includes(a.to);
    if (!known)
      issues.add(['notifications', 'announce', i, 'to'], `"${a.to}" is not configured: use "slack", "pagerduty" or one of notifications.slack.channels`);
  });
  const { attemptTimeout, giveUpAfter } = plan.notifications.delivery;
  if (parseDuration(attemptTimeout) > parseDuration(giveUpAfter)) {
    issues.add(['notifications', 'delivery', 'attemptTimeout'], `one attempt (${attemptTimeout}) cannot take longer than giveUpAfter (${giveUpAfter})`);
  }
  plan.timing?.targets.forEach((t, i) => {
    if (t.from === t.to) issues.add(['timing', 'targets', i, 'to'], `a time target needs two different milestones (both are "${t.from}")`);
  });
  const spans = [
    ...(plan.timing?.targets ?? []).map((t, i) => ({ span: t, at: ['timing', 'targets', i] })),
    ...(plan.timing?.sla ? [{ span: plan.timing.sla, at: ['timing', 'sla'] }] : []),
  ];
  for (const { span, at } of spans) {
    if (span.phases) issues.references([...at, 'phases'], span.phases, plan.rollout?.phases ?? [], 'phase (of rollout.phases)');
    if (span.decidedBy) {
      issues.references([...at, 'decidedBy'], span.decidedBy, Object.keys(plan.authority.roles), 'role');
      // Automated means the plan or a window's default decided: no role's member did.
      if (span.mode === 'automated')
        issues.add([...at, 'decidedBy'], 'decidedBy names people, and mode "automated" means no person decided: the target would never apply');
    }
  }
}

export function crossCheckPlan(plan: Plan): CrossIssue[] {
  const issues = new IssueList();
  findSecrets(plan, [], issues);
  checkServices(plan, issues);
  checkTriggers(plan, issues);
  checkWatch(plan, issues);
  checkLevels(plan, issues);
  checkCheckTiming(plan, issues);
  checkAuthority(plan, issues);
  checkOperations(plan, issues);
  checkTemplates(plan, issues);
  checkDecisions(plan, issues);
  return issues.issues;
}
