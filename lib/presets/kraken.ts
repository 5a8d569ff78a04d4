import type { Classification, Classifier } from '../types';
import {
  classifier, codeTable, fatal, field, isServerError, mostSevere, preset, RATE_LIMITED, RESIGN, TRANSIENT, UNKNOWN,
  type Reader,
} from './shared';

// https://docs.kraken.com/api/docs/guides/spot-errors ;
// https://support.kraken.com/hc/en-us/articles/360001491786-API-Error-Codes (entries of `error`, mostly under HTTP 200)
const ERRORS = codeTable({
  'EAPI:Rate limit exceeded': RATE_LIMITED,
  'EOrder:Rate limit exceeded': RATE_LIMITED,
  'EService:Unavailable': TRANSIENT, // "The matching engine or API is offline"
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

const read: Reader = (response) => {
  const errors = field(response.data, 'error');
  const found = Array.isArray(errors) ? mostSevere(errors.map(entryClass)) : undefined;
  return found ?? (isServerError(response.status) ? UNKNOWN : undefined);
};

/** Kraken spot: classifies the `error` array, the most severe entry winning; a 5xx may have been acted on. */
export function krakenClassifier(now?: () => number): Classifier {
  return classifier(read, now);
}

/** Options for Kraken spot: its classifier, your overrides on top (`presets.kraken({ retries: 5 })`). */
export const kraken = preset(krakenClassifier());
