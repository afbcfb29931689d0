// `plan explain`: what a plan would do for a trigger in a context — the decision, who
// may decide, the levels step by step with their checks and what follows a failure,
// the people escalation and the time targets. Built from the policy functions the
// workflow uses, so the explanation cannot drift from what runs.
import { formatDuration, parseDuration } from '../plan/duration';
import type { EscalationScope, Level, Migration, Plan } from '../plan/schema';
import { authorityFor } from '../policy/authority';
import type { DecisionContext } from '../policy/context';
import { findDecision } from '../policy/decide';
import { levelGate, levelId, nextLevel, startLevel } from '../policy/levels';
import { targetConditions } from '../policy/timing';
import { describeCheck, describeOutcome, describeStep, describeTrigger, people } from './describe';

/** authority.escalationScope in words: how long people escalation goes on. */
const ESCALATION_SCOPE_TEXT: Record<EscalationScope, string> = {
  decision: 'while nobody has decided',
  rollback: 'until the rollback ends',
  run: 'until the run ends, monitoring included',
};

function describeLevel(plan: Plan, level: Level): string[] {
  const verification = { ...plan.verification, ...level.verification };
  const lines = [
    `Level ${level.level} "${level.name}" (${levelId(level)})${level.target ? `, target ${level.target}` : ''}${level.when ? ` — when ${level.when}` : ''}`,
    ...level.steps.flatMap((s, i) => describeStep(plan, s, i)).map((l) => `  ${l}`),
  ];
  if (level.checks.length > 0) {
    lines.push(
      `  verify${verification.settle !== '0s' ? ` after ${verification.settle}` : ''}:` +
        (verification.rechecks > 0 ? ` (on failure wait ${verification.recheckAfter} and check again, ${verification.rechecks}×)` : ''),
      ...level.checks.map((name) => `    - ${describeCheck(name, plan.checks[name])}`),
    );
  }
  return lines;
}

function levelChain(plan: Plan, first: Level, maxLevel: number | undefined, migration: Migration | undefined): string[] {
  const lines: string[] = [];
  const gate = levelGate(first, migration);
  if (!gate.run && gate.instead !== 'ask') return [`${gate.reason}: ${gate.instead === 'fix-forward' ? 'fix forward instead' : 'nothing to roll back'}`];
  if (!gate.run) lines.push(`only if a person answers "${gate.question}" (default hold):`);
  let level = first;
  for (let i = 0; i < plan.levels.length; i++) {
    lines.push(...describeLevel(plan, level));
    const next = nextLevel(plan, level, { ...(maxLevel !== undefined ? { maxLevel } : {}), ...(migration ? { migration } : {}) });
    if (!('level' in next)) {
      lines.push(`  if its checks fail: stop (${next.reason})${next.stop === 'fix-forward' ? ' — fix forward' : ''}; people escalation continues`);
      break;
    }
    lines.push(`  if its checks fail → level ${levelId(next.level)}${next.ask ? `, only if a person answers "${next.ask.question}" (default hold)` : ''}`);
    level = next.level;
  }
  return lines;
}

function contextText(context: DecisionContext): string {
  const parts = Object.entries(context).filter(([key]) => key !== 'trigger');
  return parts.length > 0 ? parts.map(([k, v]) => `${k}=${v}`).join(', ') : '(none)';
}

export function explain(plan: Plan, context: DecisionContext, contextLabel: string = contextText(context)): string[] {
  const trigger = plan.triggers.find((t) => t.name === context.trigger)!;
  const decision = findDecision(plan, context);
  const { outcome } = decision;
  const lines = [
    `Plan ${plan.name}${plan.source ? ` — ${plan.source}` : ''}`,
    `Trigger ${trigger.name} (${trigger.kind}${trigger.category ? `, ${trigger.category}` : ''}): ${describeTrigger(trigger)}`,
    ...(trigger.description ? [`  ${trigger.description}`] : []),
    `Context: ${contextLabel}`,
    '',
    `Decision: ${outcome.action} (table ${decision.table.name}, rule ${decision.rule + 1}${decision.table.source ? `; ${decision.table.source}` : ''})`,
    ...describeOutcome(plan, outcome).map((l) => `  ${l}`),
  ];
  const authority = authorityFor(plan, context, outcome.action === 'ask' ? outcome : undefined);
  lines.push(
    authority === undefined
      ? 'Who may decide: nobody is named'
      : authority.system
        ? `Who may decide: the system alone${authority.rule !== undefined ? ` (authority.decide[${authority.rule}])` : ''}`
        : `Who may decide: ${people(plan, authority.roles)}${authority.quorum === 'all' ? ', all of them together' : ''}` +
          (authority.rule !== undefined ? ` (authority.decide[${authority.rule}])` : ''),
  );
  if (outcome.steps && outcome.steps.length > 0) {
    lines.push('', 'First, at once:', ...outcome.steps.flatMap((s, i) => describeStep(plan, s, i)).map((l) => `  ${l}`));
  }
  if (outcome.action === 'rollback' || outcome.action === 'ask') {
    lines.push('', outcome.action === 'ask' ? 'If the decision is rollback:' : 'Rollback:');
    const maxLevel = outcome.maxLevel;
    lines.push(...levelChain(plan, startLevel(plan, outcome), maxLevel, context.migration).map((l) => `  ${l}`));
  }
  if (plan.authority.escalation.length > 0) {
    lines.push(
      '',
      `People escalation (${ESCALATION_SCOPE_TEXT[plan.authority.escalationScope]}):`,
      ...plan.authority.escalation.map((e) => `  +${formatDuration(parseDuration(e.after))}: ${people(plan, e.roles)}${e.note ? ` — ${e.note}` : ''}`),
    );
  }
  const timing = plan.timing;
  if (timing && (timing.targets.length > 0 || timing.sla)) {
    lines.push('', 'Time targets:');
    for (const t of timing.targets) {
      const scope = targetConditions(t);
      lines.push(`  ${t.name}: ${t.from} → ${t.to} within ${t.within}${scope ? ` (${scope})` : ''}`);
    }
    if (timing.sla) lines.push(`  SLA: ${timing.sla.from} → ${timing.sla.to} within ${timing.sla.within}`);
  }
  return lines;
}
