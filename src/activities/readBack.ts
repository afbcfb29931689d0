// What a step meant against what its target says after it acted: the one place where a
// read-back is compared with the step's intent. Adapters only read (FlagStore.isEnabled and state,
// TrafficRouter.readBack, SourceControl.differingFrom, Database.readBack, Cache.size, a dump's size); a
// read-back that contradicts the intent makes the step fail with the target's own words.
import { byVersion } from '../adapters/database/postgres';
import { describeFlagState, type FlagRollout, type FlagState, hasRollout } from '../adapters/flagStore';
import type { DatabaseState, TrafficState } from '../adapters/roles';
import { formatByteSize } from '../plan/language/runtimeAdapters';

export interface ReadBack {
  /** Whether the target shows what the step meant to do; undefined when it cannot tell. */
  holds: boolean | undefined;
  /** What the target says, in one line: "the flag store says new_checkout is on". */
  says: string;
  /** The facts read, for the record. */
  state: Record<string, unknown>;
}

/** Shares are rounded by the routers (nginx's integer weights, HAProxy's 1–256): a point either way is the same split. */
const PERCENT_TOLERANCE = 1;

export function flagReadBack(flag: string, wantEnabled: boolean, enabled: boolean, store: string): ReadBack {
  return {
    holds: enabled === wantEnabled,
    says: `${store} says ${flag} is ${enabled ? 'on' : 'off'}`,
    state: { flag, enabled, store },
  };
}

/** On, for the share and with the variant the step asked for (what it left out is not judged). */
export function rolloutReadBack(flag: string, rollout: FlagRollout, state: FlagState, store: string): ReadBack {
  return {
    holds: hasRollout(state, rollout),
    says: `${store} says ${flag} is ${describeFlagState(state)}`,
    state: { flag, ...state, store },
  };
}

export function trafficReadBack(service: string, pool: string, percent: number, state: TrafficState): ReadBack {
  const share = state.weights[pool] ?? 0;
  const split = Object.entries(state.weights)
    .map(([p, v]) => `${p} ${Math.round(v * 100) / 100} %`)
    .join(', ');
  const idle = Object.entries(state.idle ?? {});
  const notes = [
    ...(idle.length ? [`idle: ${idle.map(([server, why]) => `${server} ${why}`).join(', ')}`] : []),
    ...(state.live === false ? ['its workers started before that configuration: not reloaded'] : []),
  ];
  return {
    holds: Math.abs(share - percent) <= PERCENT_TOLERANCE && state.live !== false,
    says: `${state.source} says ${service}: ${split || 'no pools'}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    state: { ...state },
  };
}

/** A whole checkout: HEAD is the commit. With paths: those files are the commit's. */
export function checkoutReadBack(ref: string, commit: string, head: string, paths: readonly string[] | undefined, differing: readonly string[]): ReadBack {
  const short = (c: string) => c.slice(0, 12);
  if (paths?.length) {
    return {
      holds: differing.length === 0,
      says:
        differing.length === 0
          ? `git says ${paths.join(', ')} match ${ref} (${short(commit)})`
          : `git says ${differing.join(', ')} differ from ${ref} (${short(commit)})`,
      state: { ref, commit, head, paths: [...paths], differing: [...differing] },
    };
  }
  return {
    holds: head === commit,
    says: `git says HEAD is ${short(head)}${head === commit ? ` (${ref})` : `, not ${ref} (${short(commit)})`}`,
    state: { ref, commit, head },
  };
}

/** Down to `to`: nothing newer is applied (and `to` itself still is, unless "0"). */
export function migrationsReadBack(to: string, state: DatabaseState): ReadBack {
  const applied = state.migrations ?? [];
  const newer = applied.filter((v) => to === '0' || byVersion(v, to) > 0);
  const holds = newer.length === 0 && (to === '0' || applied.includes(to));
  const latest = applied.at(-1);
  return {
    holds,
    says: `the database says ${latest ? `migration ${latest} is the latest applied` : 'no migration is applied'}${newer.length ? ` (newer than ${to}: ${newer.join(', ')})` : ''}`,
    state: { to, applied },
  };
}

/** A restore cannot be compared with its dump without replaying it: what the database says is recorded, not judged. */
export function restoreReadBack(backup: string, state: DatabaseState): ReadBack {
  const latest = state.migrations?.at(-1);
  return {
    holds: undefined,
    says: `the database answers after restoring ${backup}: ${state.tables} tables${latest ? `, latest migration ${latest}` : ''}`,
    state: { backup, ...state },
  };
}

/** A dump that is there and not empty is a backup; its size is recorded (db.backup writes it whole or not at all). */
export function backupReadBack(file: string, bytes: number | undefined): ReadBack {
  return {
    holds: bytes !== undefined && bytes > 0,
    says: bytes === undefined ? `no dump at ${file}` : `the dump ${file} holds ${formatByteSize(bytes)}`,
    state: { file, ...(bytes === undefined ? {} : { bytes }) },
  };
}

/** A live cache fills again as soon as traffic reaches it: the keys read back are recorded, not judged. */
export function cacheReadBack(cache: string, keys: number): ReadBack {
  return { holds: undefined, says: `the cache ${cache} holds ${keys} keys now`, state: { cache, keys } };
}
