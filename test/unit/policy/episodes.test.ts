import { classifyAlert, type Episode, pruneEpisodes } from '../../../src/policy/episodes';

const episode = (fingerprint: string, startsAt: string, more: Partial<Episode> = {}): Episode => ({
  fingerprint,
  startsAt,
  firstSeen: startsAt,
  lastSeen: startsAt,
  repeats: 0,
  ...more,
});

const T1 = '2026-11-24T10:00:00Z';
const T2 = '2026-11-24T11:00:00Z';

describe('classifyAlert: Alertmanager re-sends are repeats, new fingerprints and new startsAt are news', () => {
  const seen = [episode('aa', T1, { incidentId: 'run-1' }), episode('bb', T1, { resolvedAt: T2 })];
  test.each([
    ['the same fingerprint and startsAt (group_interval / repeat_interval re-send)', { status: 'firing', fingerprint: 'aa', startsAt: T1 }, 'repeat'],
    ['a re-send of an episode that resolved (a stale copy)', { status: 'firing', fingerprint: 'bb', startsAt: T1 }, 'repeat'],
    ['a new fingerprint', { status: 'firing', fingerprint: 'cc', startsAt: T1 }, 'new-episode'],
    ['the same fingerprint firing again with a new startsAt', { status: 'firing', fingerprint: 'bb', startsAt: T2 }, 'new-episode'],
    ['an alert without identity (CLI, watch)', { status: 'firing' }, 'new-episode'],
    ['a resolve', { status: 'resolved', fingerprint: 'aa', startsAt: T1 }, 'resolve'],
  ] as const)('%s', (_name, alert, kind) => {
    expect(classifyAlert(seen, alert).kind).toBe(kind);
  });

  test('a resolve finds its exact episode, else the newest one of its fingerprint', () => {
    const episodes = [episode('aa', T1, { incidentId: 'run-1' }), episode('aa', T2, { incidentId: 'run-2' })];
    expect(classifyAlert(episodes, { status: 'resolved', fingerprint: 'aa', startsAt: T1 })).toMatchObject({ episode: { incidentId: 'run-1' } });
    expect(classifyAlert(episodes, { status: 'resolved', fingerprint: 'aa', startsAt: '2026-11-24T09:00:00Z' })).toMatchObject({
      episode: { incidentId: 'run-2' },
    });
    expect(classifyAlert(episodes, { status: 'resolved', fingerprint: 'zz', startsAt: T1 })).toEqual({ kind: 'resolve' });
  });
});

test('pruneEpisodes keeps unresolved episodes and the open run, then the newest others', () => {
  const resolved = Array.from({ length: 5 }, (_, i) => episode(`r${i}`, T1, { resolvedAt: T2, incidentId: 'old' }));
  const open = episode('o', T1, { resolvedAt: T2, incidentId: 'open' });
  const firing = episode('f', T1);
  const kept = pruneEpisodes([...resolved, open, firing], 4, 'open');
  expect(kept.map((e) => e.fingerprint)).toEqual(['r3', 'r4', 'o', 'f']);
  expect(pruneEpisodes([...resolved, firing], 1).map((e) => e.fingerprint)).toEqual(['f']);
});
