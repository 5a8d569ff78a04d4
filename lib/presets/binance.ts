import type { AxiosResponse } from 'axios';
import { serverWait } from '../headers';
import { binanceQuotas } from '../quota/binance';
import { binanceCost } from './binance-cost';
import { largestWait, parseEpochOrDelta } from '../ratelimit-headers';
import type { Classification, Classifier } from '../types';
import {
  classifier, codeOf, codeTable, fatal, headersOf, isServerError, lookup, preset, rateLimited,
  RATE_LIMITED, RESIGN, textOf, UNKNOWN, type Reader,
} from './shared';
import { BINANCE, signedUntilBy } from '../signers/stamps';

// https://developers.binance.com/docs/binance-spot-api-docs/errors
const CODES = codeTable({
  '-1003': RATE_LIMITED, // TOO_MANY_REQUESTS
  '-1015': RATE_LIMITED, // TOO_MANY_ORDERS
  '-1006': UNKNOWN, // UNEXPECTED_RESP: "Execution status unknown."
  '-1007': UNKNOWN, // TIMEOUT: "Send status unknown; execution status unknown."
  '-1016': fatal('Binance -1016 SERVICE_SHUTTING_DOWN: this service is no longer available'),
  '-1021': RESIGN, // INVALID_TIMESTAMP: outside recvWindow, or 1000 ms ahead of the server
});

// https://developers.binance.com/docs/binance-spot-api-docs/rest-api/http-return-codes: 403 is the WAF.
const WAF = fatal('Binance 403: the web application firewall blocked this client');
// -1003 "Way too much request weight used; IP banned until %s." The docs leave the unit open; logs show epoch ms.
const BANNED_UNTIL = /banned until\s*(\d*)/i;

// https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits: "IP bans are tracked and
// scale in duration for repeat offenders, from 2 minutes to 3 days". A ban that names no end lasts that long at least.
const SHORTEST_BAN = 2 * 60_000;

/**
 * A rate limit waits for Retry-After (seconds, on 429 and 418) or the end of a ban, whichever is later;
 * maxRetryAfter then refuses a long ban. A ban with no end given holds every request for the shortest ban.
 */
function limited(response: AxiosResponse, now: number): Classification {
  const banned = BANNED_UNTIL.exec(textOf(response.data, 'msg'));
  const wait = largestWait([serverWait(headersOf(response), now), banned ? parseEpochOrDelta(banned[1], now) : undefined]);
  return rateLimited(banned && wait === undefined ? SHORTEST_BAN : wait);
}

const read: Reader = (response, now) => {
  if (response.status === 403) return WAF;
  const found = lookup(CODES, codeOf(response.data, 'code'));
  if (found?.kind === 'rate-limited') return limited(response, now);
  // http-return-codes: a 5XX "execution status is UNKNOWN and could have been a success".
  return found ?? (isServerError(response.status) ? UNKNOWN : undefined);
};

/** Binance spot: classifies body codes and statuses; 429 and 418 without a known code are left to the status. */
export function binanceClassifier(now?: () => number): Classifier {
  return classifier(read, now);
}

/**
 * Options for Binance spot: its classifier, its used-weight and order-count headers read against the
 * spot limits, and each endpoint's documented weight; your overrides on top
 * (`presets.binance({ retries: 5 })`; with your account's limits,
 * `presets.binance({ quotas: binanceQuotas(rateLimits), cost: binanceCosts(rateLimits) })`).
 */
export const binance = preset(binanceClassifier(), { quotas: binanceQuotas(), cost: binanceCost, signedUntil: signedUntilBy(BINANCE) });
