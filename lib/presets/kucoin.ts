import type { AxiosResponse } from 'axios';
import { headerValue } from '../headers';
import { parseDeltaMs } from '../ratelimit-headers';
import type { Classification, Classifier } from '../types';
import {
  classifier, codeOf, codeTable, headersOf, isServerError, lookup, preset, rateLimited, RATE_LIMITED, RESIGN,
  TRANSIENT, UNKNOWN, type Reader,
} from './shared';
import { KUCOIN, signedUntilBy } from '../signers/stamps';

// https://www.kucoin.com/docs/basic-info/errors-code/spot-errors-code (string codes)
const CODES = codeTable({
  '429000': RATE_LIMITED, // https://www.kucoin.com/docs-new/rate-limit
  '400002': RESIGN, // "Invalid KC-API-TIMESTAMP": more than 5 s from server time
  '500000': UNKNOWN, // "Internal Server Error": an order may have been placed
});

/**
 * https://www.kucoin.com/docs-new/rate-limit: a spent quota says when it refills in
 * `gw-ratelimit-reset` (ms); a 429000 from server overload carries no gw-ratelimit-* headers
 * and counts against no quota, so it is a passing failure.
 */
function limited(response: AxiosResponse): Classification {
  const wait = parseDeltaMs(headerValue(headersOf(response), 'gw-ratelimit-reset'), 0);
  return wait === undefined ? TRANSIENT : rateLimited(wait);
}

const read: Reader = (response) => {
  const found = lookup(CODES, codeOf(response.data, 'code'));
  if (found?.kind === 'rate-limited') return limited(response);
  return found ?? (isServerError(response.status) ? UNKNOWN : undefined);
};

/** KuCoin spot: classifies the body `code`; a 5xx may have been acted on. */
export function kucoinClassifier(now?: () => number): Classifier {
  return classifier(read, now);
}

/** Options for KuCoin: its classifier, your overrides on top (`presets.kucoin({ retries: 5 })`). */
export const kucoin = preset(kucoinClassifier(), { signedUntil: signedUntilBy(KUCOIN) });
