import type { Classifier } from '../types';
import { classifier, codeOf, codeTable, lookup, preset, RATE_LIMITED, RESIGN, UNKNOWN, type Reader } from './shared';
import { OKX, signedUntilBy } from '../signers/stamps';

// https://www.okx.com/docs-v5/en/#error-code-rest-api-public (string codes, under HTTP 200 or the status named)
const CODES = codeTable({
  '50011': RATE_LIMITED, // HTTP 200 or 429: "Rate limit reached."
  '50061': RATE_LIMITED, // sub-account order rate limit
  '50040': RATE_LIMITED, // "Too frequent operations, please try again later"
  // "Systems are busy" / "Service temporarily unavailable. Please try again later.": the docs do not
  // say the request was not processed, so an order answered so may have been placed: unknown,
  // retried for idempotent methods only (an order POST answered 503 + 50001 was sent 4 times).
  '50013': UNKNOWN, // HTTP 429 or 200
  '50001': UNKNOWN, // HTTP 503
  // HTTP 500 "System error. Try again later": the docs do not say the order was not placed.
  '50026': UNKNOWN,
  '50004': UNKNOWN, // "API endpoint request timeout (does not mean that the request was successful or failed)"
  '51149': UNKNOWN, // order request timed out: outcome unknown
  '50102': RESIGN, // HTTP 401: "Timestamp request expired."
});

// Batch results ("1"/"2" with per-item sCode) are left alone: replaying a partly placed batch is never safe.
const read: Reader = (response) => lookup(CODES, codeOf(response.data, 'code'));

/** OKX v5: classifies the top-level `code`; OKX documents no rate-limit wait header. */
export function okxClassifier(now?: () => number): Classifier {
  return classifier(read, now);
}

/** Options for OKX v5: its classifier, your overrides on top (`presets.okx({ retries: 5 })`). */
export const okx = preset(okxClassifier(), { signedUntil: signedUntilBy(OKX) });
