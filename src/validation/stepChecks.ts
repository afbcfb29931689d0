// Steps appear in levels and in decision outcomes; both are checked the same way.
import type { IssueList, Segments } from './issues';
import type { Plan, Step } from '../plan/schema';
import { stepInfo } from '../plan/stepTypes';

export function checkTemplate(plan: Plan, name: string, segments: Segments, issues: IssueList): void {
  if (!(name in plan.notifications.templates)) issues.add(segments, `template "${name}" is not defined in notifications.templates`);
}

/** A step without a command needs the adapter its type acts through (the flag store always has one). */
function checkPerformer(plan: Plan, step: Step, at: Segments, issues: IssueList): void {
  const { runs, adapter } = stepInfo(step.type);
  if (runs !== 'activity' || step.command) return;
  if (!adapter) issues.add([...at, 'command'], `${step.type} needs a command: no adapter performs it`);
  else if (adapter !== 'flags' && !plan.adapters[adapter]) issues.add(at, `${step.type} needs adapters.${adapter}, or a command`);
}

/**
 * With `adapters.database.backups.required`, a destructive database step needs a fresh dump
 * taken before it in the same steps (seed 001 lines 70-75: "Restore from backup if needed"),
 * by a db.backup that stops the level when it fails.
 */
function checkBackupFirst(plan: Plan, steps: readonly Step[], segments: Segments, issues: IssueList): void {
  if (!plan.adapters.database?.backups?.required) return;
  let backedUp = false;
  steps.forEach((step, i) => {
    if (step.type === 'db.backup' && !step.continueOnError) backedUp = true;
    if ((step.type === 'db.restore' || step.type === 'db.migrateDown') && !backedUp) {
      const lenient = steps.slice(0, i).some((s) => s.type === 'db.backup');
      issues.add(
        [...segments, i],
        lenient
          ? `adapters.database.backups.required: the db.backup before this ${step.type} continues on error, so it could run without a backup`
          : `adapters.database.backups.required: this ${step.type} needs a db.backup step before it in the same steps`,
      );
    }
  });
}

export function checkSteps(plan: Plan, steps: readonly Step[], segments: Segments, issues: IssueList): void {
  const roles = Object.keys(plan.authority.roles);
  const services = plan.targets.services;
  steps.forEach((step, i) => {
    const at = [...segments, i];
    if (step.approval) issues.references([...at, 'approval', 'approvers'], step.approval.approvers, roles, 'approver role');
    if ('service' in step && step.service !== undefined && !services.some((s) => s.name === step.service)) {
      issues.add([...at, 'service'], `service "${step.service}" is not defined in targets.services`);
    }
    checkPerformer(plan, step, at, issues);
    switch (step.type) {
      case 'deploy.run': {
        const selected = step.services === 'all' ? services.map((s) => s.name) : step.services;
        if (step.services !== 'all')
          issues.references(
            [...at, 'services'],
            step.services,
            services.map((s) => s.name),
            'service',
          );
        if (step.ref === 'last-known-good') {
          for (const name of selected) {
            const service = services.find((s) => s.name === name);
            if (service && !service.lastKnownGood) {
              issues.add([...at, 'ref'], `service "${name}" has no lastKnownGood to deploy`);
            }
          }
        }
        break;
      }
      case 'db.backup':
        if (!step.command && plan.adapters.database && !plan.adapters.database.backups)
          issues.add(at, 'db.backup writes into adapters.database.backups.dir, and the plan names none');
        break;
      case 'notify.slack':
        if (!plan.notifications.slack) issues.add(at, 'notify.slack needs notifications.slack');
        checkTemplate(plan, step.template, [...at, 'template'], issues);
        break;
      case 'notify.pagerduty':
        if (!plan.notifications.pagerduty) issues.add(at, 'notify.pagerduty needs notifications.pagerduty');
        checkTemplate(plan, step.template, [...at, 'template'], issues);
        break;
      case 'notify.page':
        issues.references([...at, 'roles'], step.roles, roles, 'role');
        if (step.template) checkTemplate(plan, step.template, [...at, 'template'], issues);
        break;
    }
  });
  checkBackupFirst(plan, steps, segments, issues);
}
