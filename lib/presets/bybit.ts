import { headerValue } from '../headers';
import { parseEpochMs } from '../ratelimit-headers';
import type { Classifier } from '../types';
import {
  classifier, codeOf, codeTable, headersOf, lookup, preset, RATE_LIMITED, rateLimited, RESIGN, UNKNOWN, type Reader,
} from './shared';
import { BYBIT, signedUntilBy } from '../signers/stamps';

// https://bybit-exchange.github.io/docs/v5/error (retCode, sent with HTTP 200)
const CODES = codeTable({
  '10006': RATE_LIMITED, // "Too many visits!": the per-UID, per-endpoint limit
  '10018': RATE_LIMITED, // "Exceeded the IP Rate Limit."
  '10000': UNKNOWN, // "Server Timeout": an order may have been placed
  '10016': UNKNOWN, // "Server error" / "Internal System Error"
  '170007': UNKNOWN, // spot: timed out waiting for the backend
  '10002': RESIGN, // "The request time exceeds the time window range."
});

// https://bybit-exchange.github.io/docs/v5/rate-limit: over 600 requests in 5 s from one IP gives
// 403 "access too frequent"; Bybit asks clients to stop and wait at least 10 minutes. A rate limit
// with that wait: longer than maxRetryAfter, it fails at once, and holds every request to Bybit.
const BANNED = rateLimited(10 * 60_000);

const read: Reader = (response, now) => {
  if (response.status === 403) return BANNED;
  // https://bybit-exchange.github.io/docs/v5/rate-limit: epoch ms when the exceeded limit resets.
  const wait = () => parseEpochMs(headerValue(headersOf(response), 'x-bapi-limit-reset-timestamp'), now);
  return lookup(CODES, codeOf(response.data, 'retCode'), wait);
};

/** Bybit v5: classifies retCode and the 403 IP block; HTTP 429 is left to the status. */
export function bybitClassifier(now?: () => number): Classifier {
  return classifier(read, now);
}

/** Options for Bybit v5: its classifier, your overrides on top (`presets.bybit({ retries: 5 })`). */
export const bybit = preset(bybitClassifier(), { signedUntil: signedUntilBy(BYBIT) });
