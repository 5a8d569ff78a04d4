import type { Classifier } from '../types';
import { classifier, isServerError, preset, RESIGN, textOf, UNKNOWN, type Reader } from './shared';
import { COINBASE, signedUntilBy } from '../signers/stamps';

// Coinbase documents no body codes and no rate-limit wait header: 429 is left to the status.
// https://docs.cdp.coinbase.com/exchange/rest-api/rate-limits ; https://docs.cdp.coinbase.com/exchange/rest-api/requests
// A CB-ACCESS-TIMESTAMP more than 30 s off is refused with 401 {"message":"request timestamp expired"}
// (older Exchange docs, quoted in https://github.com/danpaquin/coinbasepro-python/issues/453).
const EXPIRED = /request timestamp expired/i;

const read: Reader = (response) => {
  if (response.status === 401 && EXPIRED.test(textOf(response.data, 'message'))) return RESIGN;
  // Nothing says a 5xx order was not placed: reconcile by client order id before resending.
  return isServerError(response.status) ? UNKNOWN : undefined;
};

/** Coinbase (Advanced Trade and Exchange): an expired timestamp, and 5xx as unknown. */
export function coinbaseClassifier(now?: () => number): Classifier {
  return classifier(read, now);
}

/** Options for Coinbase Exchange: its classifier, your overrides on top (`presets.coinbase({ retries: 5 })`). */
export const coinbase = preset(coinbaseClassifier(), { signedUntil: signedUntilBy(COINBASE) });
