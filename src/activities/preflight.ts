// A drill's preflight, on the worker that will run it: which programs its commands call
// cannot be started where they run (the plan's command folder and environment), which
// adapters do not answer a read, and which HTTP checks no server answers. Nothing acts;
// each probe is bounded in time.
import type { InfraAdapters } from '../adapters/factory';
import type { Unreachable } from '../policy/preflight';
import type { CheckDeps } from './checks';
import { errorMessage, type PlanAdapters, type StepDeps } from './deps';
import { atBoundary } from './failures';
import { shellValue } from './preRollback';

export interface PreflightInput {
  adapters: PlanAdapters;
  /** Programs the plan's commands start (policy/preflight.ts programsOf). */
  programs: string[];
  /** The plan's HTTP check URLs. */
  urls: string[];
}

/** How long one probe may take before its adapter counts as unreachable. */
const PROBE_TIMEOUT_MS = 5000;

function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
  });
  return Promise.race([work(), timeout]).finally(() => clearTimeout(timer));
}

/** One cheap read per configured adapter. */
function probes(adapters: PlanAdapters, infra: InfraAdapters, deps: StepDeps): Record<string, () => Promise<unknown>> {
  const found: Record<string, () => Promise<unknown>> = {};
  const firstKey = (record: Record<string, unknown> | undefined) => Object.keys(record ?? {})[0];
  const trafficService = adapters.traffic ? firstKey(adapters.traffic.services) : undefined;
  if (infra.traffic && trafficService) found.traffic = () => infra.traffic!.readBack(trafficService);
  const cacheName = adapters.cache ? firstKey(adapters.cache.caches) : undefined;
  if (infra.cache && cacheName) found.cache = () => infra.cache!.size(cacheName);
  if (infra.database) found.database = () => infra.database!.readBack();
  if (infra.metrics) found.metrics = () => infra.metrics!.query('vector(1)');
  const git = adapters.git ? deps.sourceControl(adapters) : undefined;
  if (git) found.git = () => git.currentCommit();
  return found;
}

export function createPreflightActivities(deps: CheckDeps) {
  async function missingPrograms(input: PreflightInput): Promise<string[]> {
    if (input.programs.length === 0) return [];
    // `type` finds builtins, functions, files on PATH and executable paths, as the command's own shell would; `-e` an interpreter's script.
    const script = `for p in ${input.programs.map(shellValue).join(' ')}; do type -t -- "$p" >/dev/null 2>&1 || [ -e "$p" ] || printf '%s\\n' "$p"; done`;
    const record = await deps.shell(input.adapters, false).run(script, { timeoutMs: PROBE_TIMEOUT_MS });
    if (record.exitCode !== 0) throw new Error(`the command shell could not be started: ${record.summary}`);
    return (record.output ?? '').split('\n').filter((p) => input.programs.includes(p));
  }

  return {
    /** Before a drill acts: the programs and adapters it cannot reach (those parts run in dry-run). */
    async preflight(input: PreflightInput): Promise<Unreachable> {
      return atBoundary(async () => {
        const adapters: Record<string, string> = {};
        const urls: Record<string, string> = {};
        let infra: InfraAdapters = {};
        try {
          infra = deps.infra(input.adapters);
        } catch (err) {
          adapters.infra = errorMessage(err);
        }
        // All probes at once: a drill's preflight takes one probe's timeout, not one per target (the activity has 30 s).
        const [, , programs] = await Promise.all([
          Promise.all(
            Object.entries(probes(input.adapters, infra, deps)).map(([name, probe]) =>
              within(PROBE_TIMEOUT_MS, probe).catch((err: unknown) => {
                adapters[name] = errorMessage(err);
              }),
            ),
          ),
          Promise.all(
            input.urls.map(async (url) => {
              // Any HTTP answer, even an error status, means the check can run: only silence is unreachable.
              const probe = await deps.probeHttp({ url, expectStatus: 200, timeoutMs: PROBE_TIMEOUT_MS });
              if (probe.status === undefined) urls[url] = probe.error ?? 'no answer';
            }),
          ),
          missingPrograms(input),
        ]);
        return { programs, adapters, urls };
      });
    },
  };
}
