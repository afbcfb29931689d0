// Alertmanager re-sends whole groups (group_interval, repeat_interval, and every replica of a
// highly available Alertmanager sends its own copy), so a storm is mostly identical
// notifications. One that is identical to a notification handed on moments ago (same service
// desk, fingerprint, startsAt and status) joins that delivery instead of signalling the desk
// again: the answer still waits until the alert is durable at its desk, and the desk's "last
// seen" lags by at most the window.
export const COALESCE_WINDOW_MS = 1_000;
/** Keys remembered at most; the oldest go first. */
const MAX_KEYS = 10_000;

export class RecentDeliveries {
  private readonly entries = new Map<string, { at: number; delivered: Promise<unknown> }>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs = COALESCE_WINDOW_MS,
  ) {}

  /** Delivers unless an identical delivery is under way or done within the window; true when it joined one. */
  async once(key: string, deliver: () => Promise<unknown>): Promise<boolean> {
    const recent = this.entries.get(key);
    if (recent && this.now() - recent.at < this.windowMs) {
      // A delivery that failed is no delivery: this one tries itself.
      if (
        await recent.delivered.then(
          () => true,
          () => false,
        )
      )
        return true;
    }
    const delivered = deliver();
    this.entries.delete(key);
    this.entries.set(key, { at: this.now(), delivered });
    if (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
    try {
      await delivered;
    } catch (err) {
      if (this.entries.get(key)?.delivered === delivered) this.entries.delete(key);
      throw err;
    }
    return false;
  }
}
