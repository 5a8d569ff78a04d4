/** How the simulated server counts a client's requests. */
export type LimiterKind = 'fixed' | 'sliding' | 'bucket';

export const LIMITER_KINDS: readonly LimiterKind[] = ['fixed', 'sliding', 'bucket'];

export interface LimiterSpec {
  readonly kind: LimiterKind;
  /** Units per window (fixed, sliding), or units refilled per window (bucket). */
  readonly limit: number;
  readonly windowMs: number;
  /** The bucket's capacity; ignored by the windows. */
  readonly burst: number;
}

/** Whether a request's units were taken, and if not, how long until they could be. */
export type Take = { readonly ok: true } | { readonly ok: false; readonly waitMs: number };

/** What a limiter would declare right after a request: units used and left, and when it resets. */
export interface Quota {
  readonly used: number;
  readonly remaining: number;
  /** fixed: until the window ends; sliding: until the oldest counted unit leaves; bucket: until full. */
  readonly resetMs: number;
}

/**
 * One client's counter. Time `t` (ms since the origin) is passed on every call and never
 * goes backwards; only admitted units are counted, so a refusal changes nothing.
 */
export interface Limiter {
  take(t: number, cost: number): Take;
  quota(t: number): Quota;
  /** When a run of refusals that began at `t` is over, for the ban rule. */
  runEnd(t: number): number;
}

const TAKEN: Take = { ok: true };

/** Windows aligned to the origin: [k × windowMs, (k + 1) × windowMs). */
class FixedWindow implements Limiter {
  private window = -1;
  private used = 0;

  constructor(private readonly spec: LimiterSpec) {}

  take(t: number, cost: number): Take {
    this.roll(t);
    if (this.used + cost > this.spec.limit) return { ok: false, waitMs: this.runEnd(t) - t };
    this.used += cost;
    return TAKEN;
  }

  quota(t: number): Quota {
    this.roll(t);
    return { used: this.used, remaining: Math.max(0, this.spec.limit - this.used), resetMs: this.runEnd(t) - t };
  }

  // Today's ban rule counts refusals per window: a run ends with its window.
  runEnd(t: number): number {
    return (Math.floor(t / this.spec.windowMs) + 1) * this.spec.windowMs;
  }

  private roll(t: number): void {
    const window = Math.floor(t / this.spec.windowMs);
    if (window === this.window) return;
    this.window = window;
    this.used = 0;
  }
}

/** A sliding log: a unit admitted at `at` counts while t < at + windowMs. */
class SlidingLog implements Limiter {
  private readonly log: Array<{ readonly at: number; readonly cost: number }> = [];
  private used = 0;

  constructor(private readonly spec: LimiterSpec) {}

  take(t: number, cost: number): Take {
    this.expire(t);
    if (this.used + cost <= this.spec.limit) {
      this.log.push({ at: t, cost });
      this.used += cost;
      return TAKEN;
    }
    return { ok: false, waitMs: this.waitFor(t, cost) };
  }

  quota(t: number): Quota {
    this.expire(t);
    const resetMs = this.log.length ? this.log[0].at + this.spec.windowMs - t : 0;
    return { used: this.used, remaining: Math.max(0, this.spec.limit - this.used), resetMs };
  }

  runEnd(t: number): number {
    return t + this.spec.windowMs;
  }

  /** Until enough of the oldest entries leave for `cost` to fit; one window when it never fits. */
  private waitFor(t: number, cost: number): number {
    let left = this.used;
    for (const entry of this.log) {
      left -= entry.cost;
      if (left + cost <= this.spec.limit) return entry.at + this.spec.windowMs - t;
    }
    return this.spec.windowMs;
  }

  private expire(t: number): void {
    while (this.log.length && this.log[0].at + this.spec.windowMs <= t) this.used -= this.log.shift()!.cost;
  }
}

/**
 * A token bucket, full at the origin, refilled continuously at `limit` per `windowMs`.
 * The level is kept in token × windowMs so that refills at whole ms are exact
 * (10 per 1000 ms in floating point would leave 0.9999… tokens after 100 ms).
 */
class TokenBucket implements Limiter {
  private level: number;
  private at = 0;

  constructor(private readonly spec: LimiterSpec) {
    this.level = spec.burst * spec.windowMs;
  }

  take(t: number, cost: number): Take {
    this.refill(t);
    const need = cost * this.spec.windowMs;
    if (need <= this.level) {
      this.level -= need;
      return TAKEN;
    }
    const never = cost > this.spec.burst || this.spec.limit === 0;
    return { ok: false, waitMs: never ? this.spec.windowMs : (need - this.level) / this.spec.limit };
  }

  quota(t: number): Quota {
    this.refill(t);
    const full = this.spec.burst * this.spec.windowMs;
    const remaining = Math.floor(this.level / this.spec.windowMs);
    const resetMs = this.spec.limit === 0 ? 0 : (full - this.level) / this.spec.limit;
    return { used: this.spec.burst - remaining, remaining, resetMs };
  }

  runEnd(t: number): number {
    return t + this.spec.windowMs;
  }

  private refill(t: number): void {
    if (t <= this.at) return;
    this.level = Math.min(this.spec.burst * this.spec.windowMs, this.level + (t - this.at) * this.spec.limit);
    this.at = t;
  }
}

export function createLimiter(spec: LimiterSpec): Limiter {
  switch (spec.kind) {
    case 'fixed':
      return new FixedWindow(spec);
    case 'sliding':
      return new SlidingLog(spec);
    case 'bucket':
      return new TokenBucket(spec);
  }
}
