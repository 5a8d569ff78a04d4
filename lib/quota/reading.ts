import type { ResetParser } from '../ratelimit-headers';
import { decimal } from './fields';
import type { QuotaReading } from './types';

/** A reading, or undefined without `remaining`: a limit that does not say what is left tells nothing to pace by. */
export function reading(
  id: string,
  remaining: number | undefined,
  limit: number | undefined,
  resetMs: number | undefined,
  windowMs: number | undefined,
): QuotaReading | undefined {
  return remaining === undefined ? undefined : Object.freeze({ id, remaining, limit, resetMs, windowMs });
}

/**
 * The ms until a reset as `parse` reads it, but undefined for a number too long to be one
 * (`9999…` overflowing to Infinity): the parsers clamp that to the longest wait, which a
 * reading must not pass off as known.
 */
export function resetIn(parse: ResetParser, value: string | undefined, now: number): number | undefined {
  return decimal(value) === Infinity ? undefined : parse(value, now);
}

/** The readings found, without undefined ones and without a repeated id (the first stands). */
export function distinct(found: readonly (QuotaReading | undefined)[]): QuotaReading[] {
  const byId = new Map<string, QuotaReading>();
  for (const r of found) if (r && !byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()];
}
