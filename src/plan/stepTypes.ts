// The step types, one row each: the lifecycle stage a step is timed in, who performs it
// (the workflow itself, or the runStep activity), the plan adapter that acts when the step
// gives no `command`, and what is read back from the target afterwards. The language
// (steps.ts gives each type's fields), validation, the workflow and the activities all
// read this table; it is plain data so that workflow code may import it (no zod).
import type { Step } from './language/steps';

export type StepType = Step['type'];

export interface StepTypeInfo {
  /** Stage the step is timed in: moving traffic off a version is the drain (seed 002 "traffic reversion", seed 004 "traffic drain"). */
  stage: 'drain' | 'roll-back';
  /** The workflow performs timers and notifications itself; everything that acts on a target is the runStep activity. */
  runs: 'workflow' | 'activity';
  /** For steps the workflow performs: with what (said when runStep is handed one). */
  performedBy?: string;
  /** `adapters.<key>` that performs the step without a `command`; absent when only the runbook's command knows how. */
  adapter?: 'flags' | 'traffic' | 'git' | 'cache' | 'database';
  /** What the target is asked after acting; absent when nothing can confirm the effect (a command). */
  readBack?: string;
  /** Runs once per service of the step, in dependency waves (dependencies first). */
  perService?: true;
  /** Must not run twice when nothing tells whether an earlier attempt took (a second restore drops newer writes). */
  notRepeatable?: true;
}

const flag = { stage: 'roll-back', runs: 'activity', adapter: 'flags', readBack: "the flag's state in the flag store" } as const;
const git = { stage: 'roll-back', runs: 'activity', adapter: 'git', readBack: 'the checked-out commit, and the paths compared with the ref' } as const;
const commandOnly = { stage: 'roll-back', runs: 'activity' } as const;
const notification = { stage: 'roll-back', runs: 'workflow', performedBy: 'the workflow notifications' } as const;

export const STEP_TYPES = {
  'flag.disable': flag,
  'flag.enable': flag,
  'flag.rollout': { ...flag, readBack: "the flag's state, share of users and variant in the flag store" },
  'traffic.shift': { stage: 'drain', runs: 'activity', adapter: 'traffic', readBack: "the pool's upstream weights" },
  'traffic.drain': {
    stage: 'drain',
    runs: 'workflow',
    performedBy: 'workflow timers and the activeRequests activity',
    adapter: 'traffic',
    readBack: 'the active requests, when `maxActive` is set',
  },
  'config.revert': git,
  'git.checkout': git,
  'deploy.run': { ...commandOnly, perService: true },
  'service.stop': commandOnly,
  'service.start': commandOnly,
  'service.restart': commandOnly,
  'cache.flush': { stage: 'roll-back', runs: 'activity', adapter: 'cache', readBack: 'the number of keys left in the cache' },
  'db.migrateDown': { stage: 'roll-back', runs: 'activity', adapter: 'database', readBack: 'the migrations still applied' },
  'db.restore': { stage: 'roll-back', runs: 'activity', adapter: 'database', readBack: "the database's restore marker", notRepeatable: true },
  'db.backup': { stage: 'roll-back', runs: 'activity', adapter: 'database', readBack: 'the dump file: that it exists, and its size' },
  'command.run': commandOnly,
  wait: { stage: 'roll-back', runs: 'workflow', performedBy: 'a workflow timer' },
  'notify.slack': notification,
  'notify.pagerduty': notification,
  'notify.page': notification,
} as const satisfies Record<StepType, StepTypeInfo>;

type Rows = typeof STEP_TYPES;

/** Step types the workflow performs itself. */
export type WorkflowStepType = { [K in StepType]: Rows[K]['runs'] extends 'workflow' ? K : never }[StepType];

/** Step types the runStep activity performs through an adapter when they give no command. */
export type AdapterStepType = { [K in StepType]: Rows[K] extends { runs: 'activity'; adapter: string } ? K : never }[StepType];

export type StepOf<K extends StepType> = Extract<Step, { type: K }>;

/** A row, read without the literal types (for fields only some rows have). */
export function stepInfo(type: StepType): StepTypeInfo {
  return STEP_TYPES[type];
}

export function runsInWorkflow(step: Step): step is StepOf<WorkflowStepType> {
  return STEP_TYPES[step.type].runs === 'workflow';
}
