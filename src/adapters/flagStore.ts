// Feature flags: the kill switch of level 1. One interface, one file per vendor.
export interface FlagChange {
  flag: string;
  /** false when the flag was already in the asked state: disabling and enabling are idempotent. */
  changed: boolean;
  previous: boolean;
}

export interface FlagStore {
  /** Where flags live, for records: "the flag file /srv/flags.json". */
  readonly location: string;
  disable(flag: string, by: string): Promise<FlagChange>;
  enable(flag: string, by: string): Promise<FlagChange>;
  isEnabled(flag: string): Promise<boolean>;
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
