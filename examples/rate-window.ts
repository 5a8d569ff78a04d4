import { createLimiter, type LimiterKind, type Limiter, type Quota } from './limiters';

export interface RateWindowOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly banThreshold: number;
  readonly banMs: number;
  /** Default 'fixed'. */
  readonly limiter?: LimiterKind;
  /** The token bucket's capacity. Default `limit`. */
  readonly burst?: number;
  /** Before `untilMs` (since the origin) the limit is `limit` instead; then the limiter starts afresh at `limit`. */
  readonly warmup?: { readonly untilMs: number; readonly limit: number };
}

export type Verdict =
  | { readonly kind: 'admit' }
  | { readonly kind: 'limited'; readonly retryAfterS: number }
  | { readonly kind: 'banned'; readonly retryAfterS: number };

interface ClientState {
  limiter: Limiter;
  /** The limiter is the warm-up's, until its end. */
  warming: boolean;
  /** When the current run of refusals is over; -Infinity when there is none. */
  runEnd: number;
  /** Refusals in the current run. */
  refused: number;
  banUntil: number;
  bans: number;
}

const ADMIT: Verdict = { kind: 'admit' };

// Retry-After carries whole seconds (RFC 9110 §10.2.3); rounding down would
// invite a retry that lands before the window or ban is over.
export function ceilSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Admission (fixed window, sliding log or token bucket) and ban accounting, keyed per
 * client. A run of refusals starts at a refusal and lasts a window (the fixed window's
 * own window, else `windowMs` from that refusal); more than `banThreshold` refusals in
 * a run after its first earn a ban. Time `t` is passed on every call (ms since the
 * origin), so the whole behaviour is deterministic and testable without a server or a clock.
 */
export class RateWindow {
  private readonly clients = new Map<string, ClientState>();

  constructor(private readonly opts: RateWindowOptions) {}

  /** The verdict on a request costing `cost` units (a Binance weight; default 1). */
  admit(client: string, t: number, cost = 1): Verdict {
    const s = this.state(client);
    // Requests during a ban are refused without touching the limiter: they
    // neither extend the ban nor count towards the next one.
    if (t < s.banUntil) return { kind: 'banned', retryAfterS: ceilSeconds(s.banUntil - t) };
    if (s.warming && t >= (this.opts.warmup?.untilMs ?? 0)) {
      s.warming = false;
      s.limiter = this.limiter(this.opts.limit);
    }
    const taken = s.limiter.take(t, cost);
    if (taken.ok) return ADMIT;
    if (t >= s.runEnd) {
      s.runEnd = s.limiter.runEnd(t);
      s.refused = 0;
    }
    s.refused += 1;
    // refused - 1 is the number of requests refused after the first of the run.
    if (s.refused - 1 > this.opts.banThreshold) return this.ban(s, t);
    return { kind: 'limited', retryAfterS: ceilSeconds(taken.waitMs) };
  }

  /** What the client's limiter would declare at `t`. */
  quota(client: string, t: number): Quota {
    return this.state(client).limiter.quota(t);
  }

  private ban(s: ClientState, t: number): Verdict {
    const length = this.opts.banMs * 2 ** s.bans;
    s.bans += 1;
    s.banUntil = t + length;
    // A ban settles this run: a later ban needs a fresh run of requests
    // past another refusal, not one more request after the ban lifts.
    s.runEnd = -Infinity;
    s.refused = 0;
    return { kind: 'banned', retryAfterS: ceilSeconds(length) };
  }

  private state(client: string): ClientState {
    let s = this.clients.get(client);
    if (s === undefined) {
      const warming = this.opts.warmup !== undefined;
      const limit = this.opts.warmup?.limit ?? this.opts.limit;
      s = { limiter: this.limiter(limit), warming, runEnd: -Infinity, refused: 0, banUntil: -Infinity, bans: 0 };
      this.clients.set(client, s);
    }
    return s;
  }

  private limiter(limit: number): Limiter {
    const { windowMs, limiter = 'fixed' } = this.opts;
    const burst = limit === this.opts.limit ? (this.opts.burst ?? limit) : limit;
    return createLimiter({ kind: limiter, limit, windowMs, burst });
  }
}
