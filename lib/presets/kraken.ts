import { krakenQuotas } from '../quota/kraken';
import { krakenCost } from './kraken-cost';
import { parseEpochOrDelta } from '../ratelimit-headers';
import type { Classification, Classifier } from '../types';
import {
  classifier, codeTable, fatal, field, isServerError, mostSevere, preset, RATE_LIMITED, rateLimited, RESIGN, TRANSIENT, UNKNOWN,
  type Reader,
} from './shared';

// https://docs.kraken.com/api/docs/guides/spot-errors ;
// https://support.kraken.com/hc/en-us/articles/360001491786-API-Error-Codes (entries of `error`, mostly under HTTP 200)
const ERRORS = codeTable({
  'EAPI:Rate limit exceeded': RATE_LIMITED,
  'EOrder:Rate limit exceeded': RATE_LIMITED,
  // "The matching engine or API is offline": the docs do not say an order was not placed, so
  // on an endpoint that places one it is unknown (below); elsewhere retrying is harmless.
  'EService:Unavailable': TRANSIENT,
  // Busy is undocumented on the official page; whether an order was placed is not said.
  'EService:Busy': UNKNOWN,
  'EService:Deadline elapsed': UNKNOWN,
  'EGeneral:Internal error': UNKNOWN,
  'EGeneral:Temporary lockout': fatal('Kraken EGeneral:Temporary lockout: too many failed calls; do not retry'),
  'EAPI:Invalid nonce': RESIGN,
});

/** An entry is `<category>:<message>[:extra]`; the extra (an internal code) does not change the class. */
function entryClass(entry: unknown): Classification | undefined {
  if (typeof entry !== 'string') return undefined;
  return ERRORS.get(entry.split(':', 2).join(':').trim());
}

// "EService: Throttled: [UNIX timestamp]" if there are too many concurrent requests. Try again after [timestamp]."
// https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits
const THROTTLED = /^EService:\s*Throttled:\s*(\d+)/;

/** An entry's class at `now`: a throttle carries the wait until the time it names. */
function classAt(entry: unknown, now: number): Classification | undefined {
  const throttled = typeof entry === 'string' ? THROTTLED.exec(entry) : null;
  if (throttled) return rateLimited(parseEpochOrDelta(throttled[1], now));
  return entryClass(entry);
}

/** Endpoints that place or change an order: a passing failure there may still have placed it. */
const PLACES_ORDER = /\/private\/(AddOrder|AddOrderBatch|EditOrder|AmendOrder)\b/;

const read: Reader = (response, now) => {
  const errors = field(response.data, 'error');
  const found = Array.isArray(errors) ? mostSevere(errors.map((e) => classAt(e, now))) : undefined;
  if (found?.kind === 'transient' && PLACES_ORDER.test(response.config?.url ?? '')) return UNKNOWN;
  return found ?? (isServerError(response.status) ? UNKNOWN : undefined);
};

/** Kraken spot: classifies the `error` array, the most severe entry winning; a 5xx may have been acted on. */
export function krakenClassifier(now?: () => number): Classifier {
  return classifier(read, now);
}

/**
 * Options for Kraken spot: its classifier, and the call counter of the strictest tier counted as
 * calls leave; your overrides on top (`presets.kraken({ quotas: krakenQuotas('pro') })`).
 */
export const kraken = preset(krakenClassifier(), { quotas: krakenQuotas(), cost: krakenCost });
