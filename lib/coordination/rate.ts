/**
 * The AWS SDK's adaptive retry mode (util-retry `DefaultRateLimiter`): after a refusal the rate
 * falls to `BETA` of what was sent and climbs back on a cubic curve, flat near the rate that was
 * refused, steeper past it. Rates in requests per second, time in seconds, as there.
 */
export const BETA = 0.7;
const SCALE = 0.4;

/** The rate a refusal set, and how it grows back with the time since. */
export class RateCurve {
  /** Seconds after the refusal at which the curve is back at `max`. */
  private readonly k: number;

  constructor(
    /** The rate the server refused (AWS: lastMaxRate), req/s. */
    readonly max: number,
    /** The rate right after the refusal, never left below until the next one, req/s. */
    readonly floor: number,
    /** When the refusal came, epoch ms. */
    readonly at: number,
  ) {
    this.k = Math.cbrt((max * (1 - BETA)) / SCALE);
  }

  /** The rate at `now`, req/s: the cubic, never below the floor. */
  rateAt(now: number): number {
    const t = Math.max(0, now - this.at) / 1000;
    return Math.max(this.floor, SCALE * (t - this.k) ** 3 + this.max);
  }
}

/** The meter's buckets, ms, and the weight of the newest (AWS: 0.5 s, smoothing 0.8). */
const BUCKET_MS = 500;
const SMOOTH = 0.8;

/** How fast requests have been going out lately, req/s, smoothed over half-second buckets. */
export class SendMeter {
  private bucket = -1;
  private count = 0;
  private smoothed = 0;

  sent(now: number): void {
    this.roll(now);
    this.count++;
  }

  /** The smoothed rate at `now`, req/s; the bucket under way counts once it is fuller than the average. */
  rate(now: number): number {
    this.roll(now);
    return Math.max(this.smoothed, (this.count * 1000) / BUCKET_MS);
  }

  private roll(now: number): void {
    const bucket = Math.floor(now / BUCKET_MS);
    if (bucket === this.bucket) return;
    if (this.bucket >= 0) {
      // Buckets that passed without a send count as empty ones.
      const gaps = Math.min(bucket - this.bucket, 32);
      this.smoothed = SMOOTH * ((this.count * 1000) / BUCKET_MS) + (1 - SMOOTH) * this.smoothed;
      for (let i = 1; i < gaps; i++) this.smoothed *= 1 - SMOOTH;
    }
    this.bucket = bucket;
    this.count = 0;
  }
}
