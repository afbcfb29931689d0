// A live drill first asks the worker what it cannot reach (programs its commands start,
// adapters that do not answer) and says so before acting; what depends on those then runs
// in dry-run, so a drill in a world that lacks a script still rehearses the rest.
import { checkUrlsOf, commandsOf, programsOf } from '../policy/preflight';
import type { IncidentState } from './incidentState';
import { failureMessage } from './notify';
import { actions } from './proxies';

export async function preflightDrill(state: IncidentState): Promise<void> {
  const { plan } = state.input;
  const programs = [...new Set(commandsOf(plan).flatMap(programsOf))];
  try {
    state.unreachable = await actions(30_000).preflight.executeWithOptions({ summary: 'Drill preflight' }, [
      { adapters: plan.adapters, programs, urls: checkUrlsOf(plan) },
    ]);
  } catch (err) {
    state.record('drill preflight failed', `${failureMessage(err)}; the drill runs live`);
    return;
  }
  const { programs: missing, adapters, urls } = state.unreachable;
  const parts = [
    ...missing.map((p) => `${p} (not found)`),
    ...Object.entries(adapters).map(([name, why]) => `adapters.${name} (${why})`),
    ...Object.entries(urls).map(([url, why]) => `${url} (${why})`),
  ];
  state.record('drill preflight', parts.length ? `cannot reach ${parts.join(', ')}: what needs them runs in dry-run` : 'every command and target answers');
}
