/**
 * A token bucket: `capacity` tokens at most, refilled continuously at `refillPerMs`,
 * or, with `periodMs`, refilled whole once a period (a fixed window, as the servers
 * that pacing mirrors count: a continuous refill would let through a second window's
 * worth inside one window).
 */
export interface BucketSpec {
  /** Tokens the bucket holds at most. */
  readonly capacity: number;
  /** Tokens added per ms, when refilled continuously. */
  readonly refillPerMs: number;
  /** When set, the bucket refills whole once per this many ms instead. */
  readonly periodMs?: number;
}

export interface BucketLevel {
  readonly tokens: number;
  /** When `tokens` was last computed, epoch ms. */
  readonly at: number;
}

/** The level at `now`, refilled since it was last computed. */
export function refill(level: BucketLevel | undefined, spec: BucketSpec, now: number): BucketLevel {
  if (!level) return { tokens: spec.capacity, at: now };
  const elapsed = Math.max(0, now - level.at);
  if (spec.periodMs !== undefined) {
    // `at` marks the start of the current window; windows keep their phase.
    const periods = Math.floor(elapsed / spec.periodMs);
    return periods > 0 ? { tokens: spec.capacity, at: level.at + periods * spec.periodMs } : level;
  }
  return { tokens: Math.min(spec.capacity, level.tokens + elapsed * spec.refillPerMs), at: now };
}

/** Takes `n` tokens when there are enough; otherwise takes none and says how long until there are. */
export function take(
  level: BucketLevel | undefined,
  spec: BucketSpec,
  n: number,
  now: number,
): { ok: true; level: BucketLevel } | { ok: false; level: BucketLevel; waitMs: number } {
  const current = refill(level, spec, now);
  if (current.tokens >= n) return { ok: true, level: { tokens: current.tokens - n, at: current.at } };
  if (spec.periodMs !== undefined) return { ok: false, level: current, waitMs: Math.max(1, current.at + spec.periodMs - now) };
  const missing = n - current.tokens;
  const waitMs = spec.refillPerMs > 0 ? Math.ceil(missing / spec.refillPerMs) : Infinity;
  return { ok: false, level: current, waitMs };
}

/** Gives `n` tokens back, never above capacity. */
export function give(level: BucketLevel | undefined, spec: BucketSpec, n: number, now: number): BucketLevel {
  const current = refill(level, spec, now);
  return { tokens: Math.min(spec.capacity, current.tokens + n), at: current.at };
}
