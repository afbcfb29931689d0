// Work before the first action: capture the state to compare with afterwards (seed 004
// §1.3), find the last known good of services that name it by tag pattern, and confirm that
// every rollback target exists (seed 003 §4.2). None acts on a target; a capture never fails
// the run (what could not be captured is listed).
import type { MetricSample, MetricSource, Snapshot } from '../adapters/roles';
import { parseDuration } from '../plan/duration';
import type { Capture } from '../plan/language/capture';
import { CONFIRM_PLACEHOLDER_PATTERN, type Confirm } from '../plan/language/targets';
import type { SampleUnit } from '../plan/quantity';
import { errorMessage, InvalidStepError, isoNow, masker, type PlanAdapters, type StepDeps, timeoutOption, withinActivity } from './deps';
import { atBoundary } from './failures';

export interface CaptureStateInput {
  incidentId: string;
  adapters: PlanAdapters;
  capture?: Capture;
}

export interface NamedSample extends MetricSample {
  name: string;
  unit?: SampleUnit;
}

/** A Snapshot, plus what could not be captured (a snapshot never fails the run). */
export interface CapturedState extends Snapshot {
  metrics: NamedSample[];
  problems: string[];
}

export interface TargetToConfirm {
  service: string;
  ref: string;
  image?: string;
}

export interface ConfirmTargetsInput {
  services: TargetToConfirm[];
  adapters: PlanAdapters;
  /** The plan's `targets.confirm`; without it, refs are looked up in `adapters.git`. */
  confirm?: Confirm;
}

export interface TargetConfirmation {
  service: string;
  ref: string;
  exists: boolean;
  detail: string;
  /** Set when we could not find out (the confirm command could not run, the repository is unusable). */
  error?: string;
}

export interface ResolveLastKnownGoodInput {
  adapters: PlanAdapters;
  /** Services whose last known good is a tag pattern. */
  services: { service: string; pattern: string }[];
}

/** What a service's tag pattern named when the run resolved it; `tag` absent when no tag matches. */
export interface ResolvedLastKnownGood {
  service: string;
  pattern: string;
  tag?: string;
  commit?: string;
}

/** Values written into a shell command: kept as they are when safe, single-quoted otherwise. */
export function shellValue(value: string): string {
  return /^[A-Za-z0-9._/:@+=,%~^-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function fillConfirmCommand(command: string, target: TargetToConfirm): string {
  const values: Record<string, string> = { service: target.service, ref: target.ref, image: target.image ?? '' };
  return command.replace(CONFIRM_PLACEHOLDER_PATTERN, (whole, name: string) => (name in values ? shellValue(values[name]) : whole));
}

export function createPreRollbackActivities(deps: StepDeps) {
  const now = () => isoNow(deps);

  async function captureMetrics(input: CaptureStateInput, capture: Capture, snapshot: CapturedState): Promise<void> {
    let metrics: MetricSource | undefined;
    try {
      metrics = deps.infra(input.adapters).metrics;
    } catch (err) {
      snapshot.problems.push(`metrics: ${errorMessage(err)}`);
    }
    for (const m of capture.metrics) {
      const unit = m.sampleUnit ? { unit: m.sampleUnit } : {};
      if (!metrics) {
        snapshot.metrics.push({ name: m.name, query: m.query, value: undefined, at: now(), ...unit });
        continue;
      }
      try {
        snapshot.metrics.push({ ...(await metrics.query(m.query)), name: m.name, ...unit });
      } catch (err) {
        snapshot.metrics.push({ name: m.name, query: m.query, value: undefined, at: now(), ...unit });
        snapshot.problems.push(`metric ${m.name}: ${errorMessage(err)}`);
      }
    }
    if (!metrics && !snapshot.problems.some((p) => p.startsWith('metrics:'))) {
      snapshot.problems.push('metrics: the plan names no metric source (adapters.metrics)');
    }
  }

  async function confirmByCommand(input: ConfirmTargetsInput, confirm: Confirm): Promise<TargetConfirmation[]> {
    const results: TargetConfirmation[] = [];
    const shell = deps.shell(input.adapters, false);
    const mask = masker(deps, input.adapters);
    const timeoutMs = withinActivity(parseDuration(confirm.timeout));
    for (const target of input.services) {
      const record = mask(
        await shell.run(fillConfirmCommand(confirm.command, target), {
          env: { ROLLBACK_SERVICE: target.service, ROLLBACK_REF: target.ref, ROLLBACK_IMAGE: target.image ?? '' },
          ...timeoutOption(timeoutMs),
        }),
      );
      const output = record.output?.trim();
      if (record.exitCode === undefined) {
        results.push({ service: target.service, ref: target.ref, exists: false, detail: output || record.summary, error: record.summary });
      } else {
        const exists = record.exitCode === 0;
        results.push({
          service: target.service,
          ref: target.ref,
          exists,
          detail: output || (exists ? 'confirmed (exit 0)' : `not confirmed (exit ${record.exitCode})`),
        });
      }
    }
    return results;
  }

  async function confirmInGit(input: ConfirmTargetsInput): Promise<TargetConfirmation[]> {
    const git = deps.sourceControl(input.adapters);
    if (!git) throw new InvalidStepError('confirmTargets', 'confirming rollback targets needs targets.confirm or adapters.git');
    const results: TargetConfirmation[] = [];
    for (const target of input.services) {
      try {
        const exists = await git.refExists(target.ref);
        results.push({ service: target.service, ref: target.ref, exists, detail: `${target.ref} ${exists ? 'exists' : 'not found'} in git` });
      } catch (err) {
        results.push({ service: target.service, ref: target.ref, exists: false, detail: errorMessage(err), error: errorMessage(err) });
      }
    }
    return results;
  }

  return {
    /** Seed 001 line 53 (`git tag -l | grep stable`): the newest tag matching each service's pattern, in `adapters.git`. */
    async resolveLastKnownGood(input: ResolveLastKnownGoodInput): Promise<ResolvedLastKnownGood[]> {
      return atBoundary(async () => {
        const git = deps.sourceControl(input.adapters);
        if (!git?.newestTag)
          throw new InvalidStepError('resolveLastKnownGood', 'a lastKnownGood tag pattern is resolved in adapters.git, and the plan names none');
        const resolved: ResolvedLastKnownGood[] = [];
        for (const { service, pattern } of input.services) {
          const found = await git.newestTag(pattern);
          resolved.push({ service, pattern, ...(found ? { tag: found.tag, commit: found.commit } : {}) });
        }
        return resolved;
      });
    },

    /** Seed 004 §1.3: the deployed commit, metric samples and recent logs; parts that fail are listed, never thrown. */
    async captureState(input: CaptureStateInput): Promise<CapturedState> {
      return atBoundary(async () => {
        const snapshot: CapturedState = { at: now(), metrics: [], problems: [] };
        const capture = input.capture;
        if (!capture) return snapshot;
        if (capture.commit) {
          try {
            const git = deps.sourceControl(input.adapters);
            if (!git) snapshot.problems.push('commit: the plan names no repository (adapters.git)');
            else snapshot.commit = await git.currentCommit();
          } catch (err) {
            snapshot.problems.push(`commit: ${errorMessage(err)}`);
          }
        }
        if (capture.metrics.length > 0) await captureMetrics(input, capture, snapshot);
        if (capture.logs) {
          const timeoutMs = withinActivity(parseDuration(capture.logs.timeout));
          const record = masker(
            deps,
            input.adapters,
          )(
            await deps.shell(input.adapters, false).run(capture.logs.command, { env: { ROLLBACK_INCIDENT_ID: input.incidentId }, ...timeoutOption(timeoutMs) }),
          );
          if (record.output !== undefined) snapshot.logs = record.output;
          if (!record.ok) snapshot.problems.push(`logs: ${record.summary}`);
        }
        return snapshot;
      });
    },

    /** Seed 003 §4.2: does each rollback target exist (image, tag) before anything rolls back? */
    async confirmTargets(input: ConfirmTargetsInput): Promise<TargetConfirmation[]> {
      return atBoundary(() => (input.confirm ? confirmByCommand(input, input.confirm) : confirmInGit(input)));
    },
  };
}
