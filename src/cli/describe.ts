// Plan parts in words, for `plan explain`.
import { describeRollout } from '../adapters/flagStore';
import type { Check, Outcome, Plan, Step, Trigger } from '../plan/schema';
import { peopleInRoles } from '../policy/approvers';
import { rollbackWaves } from '../policy/order';

export function describeTrigger(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'metric': {
      const c = trigger.condition;
      const limit = c.threshold !== undefined ? `${c.op} ${c.threshold}` : describeBaseline(c.baseline!);
      return `${c.metric} ${limit}${c.for ? ` for ${c.for}` : ''}${c.per ? ` in any ${c.per}` : ''}`;
    }
    case 'health': {
      const c = trigger.condition;
      return c.consecutiveFailures !== undefined
        ? `check ${c.check} fails ${c.op} ${c.consecutiveFailures} times in a row`
        : `check ${c.check} keeps failing for ${c.for}`;
    }
    case 'manual':
      return `declared by a person: ${trigger.reason}`;
  }
}

function describeBaseline(baseline: { relative?: string; absolute?: string }): string {
  const change = (baseline.relative ?? baseline.absolute)!;
  const direction = change.startsWith('-') ? '<' : '>';
  return `${direction} baseline ${change.startsWith('-') || change.startsWith('+') ? change : `+${change}`}${baseline.relative ? ' (relative)' : ''}`;
}

export function people(plan: Plan, roles: readonly string[]): string {
  return roles.map((role) => `${role} (${peopleInRoles(plan, [role]).join(', ')})`).join(', ');
}

export function describeOutcome(plan: Plan, outcome: Outcome): string[] {
  const lines: string[] = [];
  switch (outcome.action) {
    case 'rollback':
      lines.push('roll back now, without asking');
      break;
    case 'ask':
      lines.push(
        `ask ${people(plan, outcome.approvers)} to decide within ${outcome.window}` + (outcome.quorum === 'all' ? ' — every role must agree' : ''),
        `if nobody decides in ${outcome.window}: ${outcome.default}`,
      );
      if (outcome.holdLimit) lines.push(`a hold lasts at most ${outcome.holdLimit} from detection, then the trigger is decided again`);
      break;
    case 'prepare':
      lines.push('prepare the rollback and keep watching');
      break;
    case 'monitor':
      lines.push('monitor only');
      break;
    case 'fix-forward':
      lines.push('do not roll back: fix forward');
      break;
  }
  if (outcome.note) lines.push(`note: ${outcome.note}`);
  return lines;
}

function stepDetail(plan: Plan, step: Step): string {
  switch (step.type) {
    case 'flag.disable':
    case 'flag.enable':
      return step.flag;
    case 'flag.rollout':
      return `${step.flag}: ${describeRollout(step)}`;
    case 'traffic.shift':
      return `${step.service ? `${step.service} ` : ''}${step.percent}% → ${step.to}`;
    case 'traffic.drain':
      return `wait ${step.wait}${step.maxActive !== undefined ? `; more than ${step.maxActive} active → wait ${step.extraWait ?? step.wait} more` : ''}`;
    case 'config.revert':
      return `${step.path} to ${step.ref}`;
    case 'git.checkout':
      return step.ref;
    case 'deploy.run': {
      const selected = step.services === 'all' ? undefined : step.services;
      const waves = rollbackWaves(plan, selected).map((w, i) => `wave ${i + 1}: ${w.join(', ')}`);
      return `${step.ref} — ${waves.join('; ')}`;
    }
    case 'service.stop':
    case 'service.start':
    case 'service.restart':
      return step.service ?? 'the application';
    case 'cache.flush':
      return step.cache;
    case 'db.migrateDown':
      return `to ${step.to}`;
    case 'db.restore':
      return `from ${step.backup}`;
    case 'db.backup':
      return `pg_dump into ${plan.adapters.database?.backups?.dir ?? '(no backups folder)'}/<incident>`;
    case 'command.run':
      return '';
    case 'wait':
      return step.duration;
    case 'notify.slack':
      return `${step.template} → ${step.channel ?? plan.notifications.slack?.channel}`;
    case 'notify.pagerduty':
      return step.template;
    case 'notify.page':
      return people(plan, step.roles);
  }
}

export function describeStep(plan: Plan, step: Step, index: number): string[] {
  const detail = stepDetail(plan, step);
  const head = `${index + 1}. ${step.type}${step.name ? ` — ${step.name}` : ''}${detail ? `: ${detail}` : ''}`;
  const limits = [`timeout ${step.timeout ?? plan.defaults.stepTimeout}`, ...(step.continueOnError ? ['failure does not stop the level'] : [])];
  const lines = [`${head} (${limits.join(', ')})`];
  if (step.approval) {
    lines.push(
      `   needs approval from ${people(plan, step.approval.approvers)} within ${step.approval.window}; unanswered: ${step.approval.default}` +
        (step.approval.reason ? ` — ${step.approval.reason}` : ''),
    );
  }
  if (step.command) lines.push(`   $ ${step.command}`);
  return lines;
}

export function describeCheck(name: string, check: Check | undefined): string {
  if (!check) return name;
  return `${describeProbe(name, check)}${describeCheckTiming(check)}`;
}

function describeProbe(name: string, check: Check): string {
  switch (check.type) {
    case 'http':
      return `${name}: GET ${check.url} → ${check.expectStatus}, ${check.attempts} attempt(s) ${check.delay} apart`;
    case 'command':
      return `${name}: $ ${check.command} exits ${check.expectExit}`;
    case 'metric':
      return `${name}: ${check.query} ${check.op} ${check.threshold}${check.within ? ` within ${check.within}` : ''}`;
  }
}

/** The check's own settle and re-check, where it has them (else the level's apply). */
function describeCheckTiming(check: Check): string {
  const parts = [
    check.settle ? `first after ${check.settle}` : '',
    check.rechecks !== undefined || check.recheckAfter
      ? `on failure wait ${check.recheckAfter ?? "the level's recheckAfter"} and check again, ${check.rechecks ?? "the level's rechecks"}×`
      : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join('; ')})` : '';
}
