import type { HeaderBag } from '../headers';

/**
 * One limit a server counts requests against, as a response declares it: how much is left
 * in the current window, and when more becomes available.
 */
export interface QuotaReading {
  /** Names the limit among its origin's others; the same on every response that declares it. */
  readonly id: string;
  /** Units still allowed in the current window, as the server counted when it answered; never negative. */
  readonly remaining: number;
  /** Units per window, when declared (or known to the preset). */
  readonly limit: number | undefined;
  /** ms from the answer until the window resets or the quota refills, when known. */
  readonly resetMs: number | undefined;
  /** The window's length in ms, when declared (RateLimit-Policy `w`, Binance's interval letter). */
  readonly windowMs: number | undefined;
  /**
   * The limit is the answered endpoint's own (Bybit counts per endpoint), not the origin's: only
   * requests to the same method and path spend it or wait for it.
   */
  readonly perRoute?: boolean;
  /** A limit that refills continuously at this many units a second (a counter that decays), not a window at a time. */
  readonly refillPerSecond?: number;
  /**
   * The server says nothing of it: a documented limit (Kraken's call counter), counted here from its
   * first declaration on, never reset by a later one.
   */
  readonly counted?: boolean;
}

/** Reads the limits a response declares, at `now` (epoch ms); [] when it declares none. Never throws. */
export type QuotaReader = (headers: HeaderBag, now: number) => readonly QuotaReading[];

/**
 * The units a request spends against its origin's limits. A number: that many against each
 * limit. A record: that many against each limit it names by id, and 1 against any it does not
 * name (an unknown limit is counted, never assumed free).
 */
export type RequestCost = number | Readonly<Record<string, number>>;
