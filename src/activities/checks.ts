// Verification checks, one attempt each (the workflow retries and judges): an HTTP probe,
// a smoke command, or a metric query against a threshold. `Failed` (the check said no) is
// kept apart from `Error` (we could not check), which never counts as a failure.
import type { HttpProbe, HttpProbeResult } from '../adapters/httpCheck';
import type { ActionRecord, MetricSample } from '../adapters/roles';
import { parseDuration } from '../plan/duration';
import { compare, formatQuantity, parseQuantity, SAMPLE_UNITS, scaled } from '../plan/quantity';
import type { Check, CommandCheck, MetricCheck } from '../plan/schema';
import { errorMessage, InvalidStepError, masker, type PlanAdapters, type StepDeps, timeoutOption, withinActivity } from './deps';
import { atBoundary } from './failures';

export interface RunCheckInput {
  name: string;
  check: Check;
  dryRun: boolean;
  adapters: PlanAdapters;
}

export const CheckVerdict = {
  Passed: 'passed',
  /** The check ran and said no. */
  Failed: 'failed',
  /** We could not check (metrics unreachable, no data, the command could not start). */
  Error: 'error',
} as const;
export type CheckVerdict = (typeof CheckVerdict)[keyof typeof CheckVerdict];

export interface CheckOutcome {
  verdict: CheckVerdict;
  record: ActionRecord;
  /** A metric check's sample, in the threshold's base unit (fraction, ms or number). */
  value?: number;
}

export interface CheckDeps extends StepDeps {
  probeHttp(probe: HttpProbe): Promise<HttpProbeResult>;
}

export function createCheckActivities(deps: CheckDeps) {
  async function commandCheck(input: RunCheckInput, check: CommandCheck): Promise<CheckOutcome> {
    const timeoutMs = withinActivity(parseDuration(check.timeout));
    const run = await deps.shell(input.adapters, input.dryRun).run(check.command, { env: { ROLLBACK_CHECK: input.name }, ...timeoutOption(timeoutMs) });
    const record = masker(deps, input.adapters)(run);
    if (record.dryRun) return { verdict: CheckVerdict.Passed, record: { ...record, summary: `${input.name}: ${record.summary}` } };
    if (record.exitCode === undefined) {
      // A smoke test that does not finish in its time did not pass; one that could not start told us nothing.
      const timedOut = record.details?.timedOut === true;
      return { verdict: timedOut ? CheckVerdict.Failed : CheckVerdict.Error, record: { ...record, ok: false, summary: `${input.name}: ${record.summary}` } };
    }
    const passed = record.exitCode === check.expectExit;
    const expected = check.expectExit === 0 ? '' : ` (expected ${check.expectExit})`;
    return {
      verdict: passed ? CheckVerdict.Passed : CheckVerdict.Failed,
      record: { ...record, ok: passed, summary: `${input.name} ${passed ? 'passed' : 'failed'}: exit ${record.exitCode}${expected}` },
    };
  }

  async function metricCheck(input: RunCheckInput, check: MetricCheck): Promise<CheckOutcome> {
    const threshold = parseQuantity(check.threshold);
    const condition = `${check.query} ${check.op} ${check.threshold}`;
    const details = { query: check.query, op: check.op, threshold: check.threshold, ...(check.sampleUnit ? { sampleUnit: check.sampleUnit } : {}) };
    const error = (why: string): CheckOutcome => ({
      verdict: CheckVerdict.Error,
      record: { ok: false, summary: `${input.name} could not be checked: ${why}`, details },
    });
    if (input.dryRun) {
      return { verdict: CheckVerdict.Passed, record: { ok: true, summary: `${input.name}: would check ${condition}`, dryRun: true, details } };
    }
    const metrics = deps.infra(input.adapters).metrics;
    if (!metrics) return error('metric checks need adapters.metrics');
    let sample: MetricSample;
    try {
      sample = await metrics.query(check.query);
    } catch (err) {
      return error(errorMessage(err));
    }
    if (sample.value === undefined || !Number.isFinite(sample.value)) return error(`the query returned no data at ${sample.at}`);
    const value = scaled(sample.value, SAMPLE_UNITS[check.sampleUnit ?? 'ratio']);
    const passed = compare(value, check.op, threshold.value);
    return {
      verdict: passed ? CheckVerdict.Passed : CheckVerdict.Failed,
      value,
      record: {
        ok: passed,
        summary: passed
          ? `${input.name} passed: ${formatQuantity(value, threshold.kind)} ${check.op} ${check.threshold}`
          : `${input.name} failed: ${formatQuantity(value, threshold.kind)}, wanted ${check.op} ${check.threshold}`,
        details: { ...details, sample: sample.value, at: sample.at, value },
      },
    };
  }

  return {
    async httpCheck(probe: HttpProbe): Promise<HttpProbeResult> {
      return deps.probeHttp(probe);
    },

    /** One attempt of a command or metric check; HTTP checks have their own activity. */
    async runCheck(input: RunCheckInput): Promise<CheckOutcome> {
      return atBoundary(async () => {
        const { check } = input;
        switch (check.type) {
          case 'command':
            return commandCheck(input, check);
          case 'metric':
            return metricCheck(input, check);
          default:
            throw new InvalidStepError('check', `${input.name}: ${check.type} checks run through the httpCheck activity, not runCheck`);
        }
      });
    },
  };
}
