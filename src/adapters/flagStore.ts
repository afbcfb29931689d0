// Feature flags: the kill switch of level 1, and the gradual rollout a plan may dial back.
// One interface, one file per vendor.
export interface FlagChange {
  flag: string;
  /** false when the flag was already in the asked state: disabling and enabling are idempotent. */
  changed: boolean;
  previous: boolean;
}

/** What a rollout step asks for; what it leaves out stays as it is. */
export interface FlagRollout {
  /** Share of users the flag is on for (whole percent, 0–100). */
  percent?: number;
  /** The variant every one of them gets. */
  variant?: string;
}

/** What a flag store says about one flag. */
export interface FlagState {
  enabled: boolean;
  /** Share of users it is on for when enabled; undefined when its rules make no single share (several strategies). */
  percent: number | undefined;
  /** The variant all of them get; undefined when none, or when several share them. */
  variant: string | undefined;
  /** Its rules in the store's words when they are more than a share and a variant ("2 strategies: flexibleRollout 10 %, userWithId"). */
  rules?: string;
}

export interface RolloutChange {
  flag: string;
  /** false when the flag already had that rollout. */
  changed: boolean;
  previous: FlagState;
}

export interface FlagStore {
  /** Where flags live, for records: "the flag file /srv/flags.json". */
  readonly location: string;
  disable(flag: string, by: string): Promise<FlagChange>;
  enable(flag: string, by: string): Promise<FlagChange>;
  isEnabled(flag: string): Promise<boolean>;
  /** Turns the flag on for `percent` % of users, serving `variant` when given (a gradual rollout). */
  rollout(flag: string, rollout: FlagRollout, by: string): Promise<RolloutChange>;
  state(flag: string): Promise<FlagState>;
}

/** Whether a flag's state is what a rollout asked for. */
export function hasRollout(state: FlagState, rollout: FlagRollout): boolean {
  return (
    state.enabled &&
    state.rules === undefined &&
    (rollout.percent === undefined || state.percent === rollout.percent) &&
    (rollout.variant === undefined || state.variant === rollout.variant)
  );
}

/** "25 % of users, variant control": what a rollout asks for. */
export function describeRollout(rollout: FlagRollout): string {
  const parts = [
    rollout.percent === undefined ? undefined : `${rollout.percent} % of users`,
    rollout.variant === undefined ? undefined : `variant ${rollout.variant}`,
  ];
  return parts.filter((part) => part !== undefined).join(', ');
}

/** "on for 25 % of users, variant control", "off". */
export function describeFlagState(state: FlagState): string {
  if (!state.enabled) return 'off';
  if (state.rules !== undefined) return `on by ${state.rules}`;
  const share = state.percent === undefined ? 'on' : `on for ${state.percent} % of users`;
  return `${share}${state.variant === undefined ? '' : `, variant ${state.variant}`}`;
}

export class UnknownFlagError extends Error {
  readonly type = 'UnknownFlag';
  constructor(
    readonly flag: string,
    readonly store: string,
  ) {
    super(`flag "${flag}" does not exist in ${store}`);
    this.name = 'UnknownFlagError';
  }
}
