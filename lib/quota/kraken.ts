import type { QuotaReader, QuotaReading } from './types';

/**
 * Kraken's spot REST call counter: it starts at 0, each private call adds 1 (ledger and trade
 * history 2), it decays by the tier's rate, and a call past the tier's maximum is refused
 * ("EAPI:Rate limit exceeded"). AddOrder and CancelOrder count on the trading engine's limiter
 * instead; public calls are limited per IP. https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits
 */
export type KrakenTier = 'starter' | 'intermediate' | 'pro';

const TIERS: Readonly<Record<KrakenTier, { readonly max: number; readonly decayPerSecond: number }>> = {
  starter: { max: 15, decayPerSecond: 0.33 },
  intermediate: { max: 20, decayPerSecond: 0.5 },
  pro: { max: 20, decayPerSecond: 1 },
};

/** The id of the call counter, as costs name it. */
export const KRAKEN_COUNTER = 'kraken-api-counter';

/**
 * A reader for Kraken spot: Kraken declares nothing in its headers, so it declares for Kraken the
 * call counter of your verification tier (default the strictest, `starter`), and the lane counts
 * it down as calls leave and up as it decays.
 */
export function krakenQuotas(tier: KrakenTier = 'starter'): QuotaReader {
  const known = TIERS[tier];
  if (!known) throw new TypeError(`krakenQuotas(tier) takes 'starter', 'intermediate' or 'pro', got ${String(tier)}`);
  const counter: QuotaReading = Object.freeze({
    id: KRAKEN_COUNTER, remaining: known.max, limit: known.max, resetMs: undefined, windowMs: undefined,
    refillPerSecond: known.decayPerSecond, counted: true,
  });
  const readings = Object.freeze([counter]) as readonly QuotaReading[];
  return () => readings as QuotaReading[];
}
