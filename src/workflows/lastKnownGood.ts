// Each service's last known good: the plan's fixed ref, or the newest tag matching its
// pattern (seed 001 line 53, `git tag -l | grep stable`), found once per run — the first
// time a step or the target confirmation needs it — and recorded in the incident, so every
// step of the run rolls back to the same tag even if a newer one appears meanwhile.
import type { IncidentState } from './incidentState';
import { actions } from './proxies';

/** Service → the ref it rolls back to. Resolves the plan's tag patterns the first time; throws when that fails. */
export async function lastKnownGoodRefs(state: IncidentState): Promise<Record<string, string>> {
  const { plan } = state.input;
  const services = plan.targets.services;
  const patterns = services.flatMap((s) => (s.lastKnownGood?.tag ? [{ service: s.name, pattern: s.lastKnownGood.tag }] : []));
  if (patterns.length > 0 && !state.lastKnownGood) {
    const resolved = await actions(60_000).resolveLastKnownGood.executeWithOptions({ summary: 'Find the last known good tags' }, [
      { adapters: plan.adapters, services: patterns },
    ]);
    state.lastKnownGood = resolved;
    state.record(
      'last known good resolved',
      resolved.map((r) => `${r.service}: ${r.tag ? `${r.tag} (${r.commit?.slice(0, 12)})` : `no tag matches ${r.pattern}`}`).join('; '),
    );
  }
  return Object.fromEntries(
    services.flatMap((s) => {
      const ref = s.lastKnownGood?.ref ?? state.lastKnownGood?.find((r) => r.service === s.name)?.tag;
      return ref ? [[s.name, ref]] : [];
    }),
  );
}
