import type { RequestCost } from '../quota/types';
import type { Lane } from './lane';
import type { QuotaSnapshot } from './quotas';
import type { PaceState } from './store';

/** What a lane needs to know of the options. */
export interface LaneSettings {
  readonly cooldown: boolean;
  readonly pacing: boolean;
  /** Consecutive unknown outcomes that start probing, and the gap between probes (ms). */
  readonly probing: { readonly threshold: number; readonly interval: number } | undefined;
  /** The longest cooldown a wait that cannot be meant (beyond `SANE_WAIT`) sets, ms: attach's maxRetryAfter. */
  readonly insaneWaitCap: number;
}

/**
 * The longest wait a server can mean, ms: Binance bans for up to three days. A longer one
 * (a reset header read in the wrong unit, an epoch in microseconds) holds the origin for
 * `insaneWaitCap` only, never for years.
 */
export const SANE_WAIT = 7 * 24 * 3600_000;

/** How a held request's error names what holds it. */
export const COOLING = 'is cooling down for';
export const HELD_BY_LIMIT = 'holds requests for a limit it declared, for';

/** One request let out to the origin: given back exactly once, by the transport that took it. */
export interface Ticket {
  readonly lane: Lane;
  readonly sentAt: number;
  readonly probe: boolean;
  /** The first-contact ramp's round it went out in, or -1. */
  readonly round: number;
  /** What it spends against the limits the origin declares. */
  readonly cost: RequestCost | undefined;
  /** `METHOD path`, for a limit of one endpoint's own (set at the answer when one is first declared). */
  route: string | undefined;
  settled: boolean;
}

/**
 * How an attempt ended, as far as the origin's health goes: `success` is any answer
 * that is neither a rate limit nor an unknown outcome (a 404 proves the server is up);
 * `neutral` is no answer that says anything (connection refused, cancel).
 */
export type LaneResult =
  | { readonly kind: 'success' }
  | { readonly kind: 'rate-limited'; readonly wait: number | undefined; readonly status?: number }
  | { readonly kind: 'unknown'; readonly wait: number | undefined; readonly status?: number }
  | { readonly kind: 'neutral'; readonly wait: number | undefined; readonly status?: number };

/** One key's state, as `backoffSnapshot` shows it. */
export interface BackoffSnapshot {
  /** The origin, or a fingerprint of what the `key` option returned. */
  readonly key: string;
  /** How long requests are still held by a cooldown, ms (0: none). */
  readonly coolingMs: number;
  /** The pace learned after a rate limit: requests per window, or undefined. */
  readonly pace: PaceState | undefined;
  /** During an outage only probes go out. */
  readonly probing: boolean;
  /** Unknown outcomes in a row. */
  readonly failures: number;
  /** Requests waiting to leave. */
  readonly held: number;
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
  /** The first-contact ramp still limits how many go at once. */
  readonly ramping: boolean;
  /** Tokens left in the current window of the learned pace, or undefined with no pace. */
  readonly paceTokens: number | undefined;
  /** Tokens left in the retry budget, or undefined when the budget is off. */
  readonly budgetTokens: number | undefined;
  /** The limits the server declares, as this process counts them now. */
  readonly quotas: readonly QuotaSnapshot[];
}

/** A held request, as the lane sees it. */
export interface Waiter {
  /** What it will spend against the limits the origin declares. */
  readonly cost?: RequestCost;
  /** `METHOD path`, for a limit of one endpoint's own. */
  readonly route?: string;
  release(ticket: Ticket): void;
  /** The origin will cool down for `cooling` ms more: a waiter that may not wait that long gives up. */
  outwaited?(cooling: number, now: number, what: string): void;
  /** Set by `abandon`: skipped when its turn comes (removing it from the middle costs O(n)). */
  gone?: boolean;
}
