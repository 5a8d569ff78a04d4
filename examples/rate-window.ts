export interface RateWindowOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly banThreshold: number;
  readonly banMs: number;
}

export type Verdict =
  | { readonly kind: 'admit' }
  | { readonly kind: 'limited'; readonly retryAfterS: number }
  | { readonly kind: 'banned'; readonly retryAfterS: number };

interface ClientState {
  window: number;
  count: number;
  excess: number;
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
 * Fixed-window admission and ban accounting, keyed per client.
 * Time `t` is passed on every call (ms since the windows' origin), so the
 * whole behaviour is deterministic and testable without a server or a clock.
 */
export class RateWindow {
  private readonly clients = new Map<string, ClientState>();

  constructor(private readonly opts: RateWindowOptions) {}

  admit(client: string, t: number): Verdict {
    const s = this.state(client);
    // Requests during a ban are refused without touching the window: they
    // neither extend the ban nor count towards the next one.
    if (t < s.banUntil) return { kind: 'banned', retryAfterS: ceilSeconds(s.banUntil - t) };
    const window = Math.floor(t / this.opts.windowMs);
    if (window !== s.window) {
      s.window = window;
      s.count = 0;
      s.excess = 0;
    }
    s.count += 1;
    if (s.count <= this.opts.limit) return ADMIT;
    s.excess += 1;
    // excess - 1 is the number of requests sent after the first 429.
    if (s.excess - 1 > this.opts.banThreshold) return this.ban(s, t);
    const windowEnd = (window + 1) * this.opts.windowMs;
    return { kind: 'limited', retryAfterS: ceilSeconds(windowEnd - t) };
  }

  private ban(s: ClientState, t: number): Verdict {
    const length = this.opts.banMs * 2 ** s.bans;
    s.bans += 1;
    s.banUntil = t + length;
    // A ban settles this window's excess: a later ban needs a fresh run of
    // requests past another 429, not one more request after the ban lifts.
    s.excess = 0;
    return { kind: 'banned', retryAfterS: ceilSeconds(length) };
  }

  private state(client: string): ClientState {
    let s = this.clients.get(client);
    if (s === undefined) {
      s = { window: -1, count: 0, excess: 0, banUntil: -Infinity, bans: 0 };
      this.clients.set(client, s);
    }
    return s;
  }
}
