import type { PaceState } from '../coordination/store';

interface Share {
  readonly pace: PaceState;
  /** When this process heard of it, local ms. */
  readonly at: number;
}

/**
 * Each process learns only its own share of a window the server admitted (7 of 20,
 * say): the pace all of them release at is the sum of the shares learned for the
 * same window. A share heard of more than a window before the newest is from an
 * older lesson and no longer counts.
 */
export class PaceShares {
  private readonly byKey = new Map<string, Map<string, Share>>();

  /** Records `from`'s share (undefined drops it); returns the pace the shares add up to. */
  set(key: string, from: string, pace: PaceState | undefined, now: number): PaceState | undefined {
    let shares = this.byKey.get(key);
    if (!shares) this.byKey.set(key, (shares = new Map()));
    if (pace) shares.set(from, { pace, at: now });
    else shares.delete(from);
    return this.sum(shares);
  }

  private sum(shares: Map<string, Share>): PaceState | undefined {
    let newest = -Infinity;
    for (const s of shares.values()) newest = Math.max(newest, s.at);
    let capacity = 0;
    let periodMs = 0;
    for (const [from, s] of shares) {
      if (s.at < newest - s.pace.periodMs) {
        shares.delete(from);
        continue;
      }
      capacity += s.pace.capacity;
      periodMs = Math.max(periodMs, s.pace.periodMs);
    }
    return capacity > 0 ? { capacity, periodMs } : undefined;
  }
}
