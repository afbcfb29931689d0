// Alert episodes. Alertmanager re-sends a whole group on every group_interval and
// repeat_interval, and a rate()-based alert keeps firing for minutes after a rollback: the
// same alert arrives many times. Its fingerprint (a hash of its labels) with its `startsAt`
// names one episode; a repeat is counted, never news. A new fingerprint, or a new `startsAt`
// (the alert resolved and fired again), is a new episode. Pure.

export interface EpisodeKey {
  fingerprint?: string;
  startsAt?: string;
}

export interface Episode {
  fingerprint: string;
  startsAt: string;
  firstSeen: string;
  lastSeen: string;
  /** Notifications of this episode after the first. */
  repeats: number;
  resolvedAt?: string;
  /** The run that absorbed it. */
  incidentId?: string;
  /** People were told it still fires after its run closed (once per episode). */
  toldFiringAfterClose?: boolean;
}

export type AlertNews = { kind: 'new-episode' } | { kind: 'repeat'; episode: Episode } | { kind: 'resolve'; episode?: Episode };

const sameEpisode = (episode: Episode, alert: EpisodeKey): boolean => episode.fingerprint === alert.fingerprint && episode.startsAt === alert.startsAt;

/** What a notification means given the episodes seen so far. An alert without identity is always news. */
export function classifyAlert(episodes: readonly Episode[], alert: EpisodeKey & { status: 'firing' | 'resolved' }): AlertNews {
  if (alert.status === 'resolved') {
    // A resolve carries the episode's startsAt; without an exact match, the newest episode of the fingerprint.
    const exact = episodes.find((e) => sameEpisode(e, alert));
    const latest = [...episodes].reverse().find((e) => e.fingerprint === alert.fingerprint);
    const episode = exact ?? latest;
    return episode ? { kind: 'resolve', episode } : { kind: 'resolve' };
  }
  if (alert.fingerprint === undefined || alert.startsAt === undefined) return { kind: 'new-episode' };
  const known = episodes.find((e) => sameEpisode(e, alert));
  return known ? { kind: 'repeat', episode: known } : { kind: 'new-episode' };
}

/**
 * The episodes worth remembering: every one that is unresolved or belongs to `keepIncident`
 * (the open run), then the newest others, up to `max` in all.
 */
export function pruneEpisodes(episodes: readonly Episode[], max: number, keepIncident?: string): Episode[] {
  const pinned = (e: Episode) => e.resolvedAt === undefined || (keepIncident !== undefined && e.incidentId === keepIncident);
  const room = Math.max(0, max - episodes.filter(pinned).length);
  const others = episodes.filter((e) => !pinned(e));
  const kept = new Set(others.slice(Math.max(0, others.length - room)));
  return episodes.filter((e) => pinned(e) || kept.has(e));
}
