// Checks after a level (verify, then validate SLOs) and between service waves: settle,
// check, and when something fails wait the plan's stabilization time and check again
// (seed 004 §2.5) before anyone escalates.
import { patched, sleep } from '@temporalio/workflow';
import type { HttpProbeResult } from '../adapters/httpCheck';
import { parseDuration } from '../plan/duration';
import type { Check, HttpCheck, Verification } from '../plan/schema';
import { checkTiming } from '../policy/checkTiming';
import { checkUnreachable } from '../policy/preflight';
import { workflowNow } from './clock';
import type { IncidentState } from './incidentState';
import type { CheckResult } from './messages';
import { failureMessage } from './notify';
import { checks } from './proxies';

async function runHttpCheck(name: string, check: HttpCheck, result: CheckResult): Promise<void> {
  let answered = false;
  for (let attempt = 1; attempt <= check.attempts; attempt++) {
    let probe: Omit<HttpProbeResult, 'durationMs'>;
    try {
      probe = await checks(parseDuration(check.timeout) + 5000).httpCheck.executeWithOptions(
        { summary: `${name}: GET ${check.url} (attempt ${attempt}/${check.attempts})` },
        [{ url: check.url, expectStatus: check.expectStatus, timeoutMs: parseDuration(check.timeout) }],
      );
      answered = true;
    } catch (err) {
      // The probe itself was lost (its workers died, or it broke): an attempt that could not
      // check, not the end of the run. Runs from before this failed here; the marker keeps them replaying.
      if (!patched('http-check-lost-attempt')) throw err;
      probe = { ok: false, error: `could not check: ${failureMessage(err)}` };
    }
    result.attempts.push({
      attempt,
      ok: probe.ok,
      ...(probe.status === undefined ? {} : { status: probe.status }),
      ...(probe.error === undefined ? {} : { error: probe.error }),
      at: workflowNow(),
    });
    if (probe.ok) break;
    if (attempt < check.attempts) await sleep(parseDuration(check.delay));
  }
  result.ok = result.attempts.some((a) => a.ok);
  result.verdict = result.ok ? 'passed' : answered ? 'failed' : 'error';
}

async function runOtherCheck(state: IncidentState, name: string, check: Exclude<Check, HttpCheck>, result: CheckResult): Promise<void> {
  // A metric that must pass "within" a time (seed 000: error rate < 0.01% within 5 minutes)
  // is sampled again until it passes or that time is up, not failed on its first sample.
  const within = check.type === 'metric' && check.within && !state.dryRun && patched('metric-check-within') ? parseDuration(check.within) : 0;
  const deadline = Date.parse(workflowNow()) + within;
  for (;;) {
    await runOtherCheckOnce(state, name, check, result);
    const left = deadline - Date.parse(workflowNow());
    if (result.ok || left <= 0) return;
    await sleep(Math.min(left, Math.max(1000, within / 10)));
  }
}

async function runOtherCheckOnce(state: IncidentState, name: string, check: Exclude<Check, HttpCheck>, result: CheckResult): Promise<void> {
  const timeoutMs = check.type === 'command' ? parseDuration(check.timeout) + 5000 : 60_000;
  try {
    const outcome = await checks(timeoutMs).runCheck.executeWithOptions(
      { summary: `${name}: ${check.type === 'command' ? check.command : `${check.query} ${check.op} ${check.threshold}`}` },
      [
        {
          name,
          check,
          dryRun: state.dryRun || (state.unreachable !== undefined && checkUnreachable(check, state.unreachable) !== undefined),
          adapters: state.input.plan.adapters,
        },
      ],
    );
    result.ok = outcome.verdict === 'passed';
    result.attempts.push({
      attempt: result.attempts.length + 1,
      ok: result.ok,
      at: workflowNow(),
      ...(result.ok ? {} : { error: `${outcome.verdict}: ${outcome.record.summary}` }),
    });
    result.verdict = outcome.verdict;
    result.detail = outcome.record.summary;
  } catch (err) {
    result.ok = false;
    result.verdict = 'error';
    result.attempts.push({ attempt: result.attempts.length + 1, ok: false, at: workflowNow(), error: failureMessage(err) });
  }
}

export async function runCheck(state: IncidentState, name: string): Promise<CheckResult> {
  const check = state.input.plan.checks[name];
  const result: CheckResult = { check: name, ok: false, attempts: [] };
  state.checks.push(result);
  if (!check) {
    result.verdict = 'error';
    result.detail = `no check named ${name}`;
  } else if (check.type === 'http') {
    const unreachable = state.unreachable && checkUnreachable(check, state.unreachable);
    if (state.dryRun) {
      Object.assign(result, { ok: true, verdict: 'passed', detail: `dry-run: would GET ${check.url}` });
    } else if (unreachable) {
      Object.assign(result, { ok: true, verdict: 'passed', detail: `dry-run in this drill: would GET ${check.url} (${unreachable})` });
    } else {
      await runHttpCheck(name, check, result);
    }
  } else {
    await runOtherCheck(state, name, check, result);
  }
  state.record(
    `check ${name} ${result.ok ? 'passed' : result.verdict === 'error' ? 'could not run' : 'failed'}`,
    result.detail ?? `${result.attempts.length} attempt(s)`,
  );
  return result;
}

/**
 * Runs the checks; a failed one again after its `recheckAfter`, `rechecks` times (the check's
 * own, else the level's: policy/checkTiming). Re-checks fall due from the end of the pass in
 * which they failed; those due first run together. False as soon as a failed check has no
 * re-check left.
 */
export async function verify(state: IncidentState, names: readonly string[], verification: Verification): Promise<boolean> {
  if (names.length === 0) return true;
  const timing = new Map(names.map((name) => [name, checkTiming(state.input.plan, name, verification)]));
  const left = new Map(names.map((name) => [name, timing.get(name)!.rechecks]));
  const dueAt = new Map<string, number>();
  let pass = [...names];
  for (let first = true; ; first = false) {
    const failed: string[] = [];
    for (const name of pass) {
      const { settleMs } = timing.get(name)!;
      // Seed 004 §2.4 "wait for metrics to populate": before this check's first run only.
      if (first && settleMs > 0) {
        state.record(`settling before ${name}`, state.input.plan.checks[name]?.settle);
        await sleep(settleMs);
      }
      if (!(await runCheck(state, name)).ok) failed.push(name);
    }
    const now = Date.parse(workflowNow());
    for (const name of failed) {
      const rechecks = left.get(name)!;
      if (rechecks === 0) return false;
      left.set(name, rechecks - 1);
      dueAt.set(name, now + timing.get(name)!.recheckAfterMs);
    }
    if (dueAt.size === 0) return true;
    const next = Math.min(...dueAt.values());
    pass = names.filter((name) => dueAt.get(name) === next);
    for (const name of pass) dueAt.delete(name);
    const waits = [...new Set(pass.map((name) => timing.get(name)!.recheckAfter))];
    state.record('checks failed; waiting to re-check', `${pass.join(', ')} again after ${waits.join(' / ')}`);
    await sleep(next - now);
  }
}
