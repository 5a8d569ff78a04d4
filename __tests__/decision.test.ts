import { classify, decide, refuseWait, type Failure } from '../lib/decision';
import { resolveOptions } from '../lib/options';
import type { Decision, Outcome, StopReason } from '../lib/types';

const SAFE = ['get', 'head', 'options', 'put', 'delete'];
const UNSAFE = ['post', 'patch'];
const METHODS = [...SAFE, ...UNSAFE];

const RETRY: Decision = { kind: 'retry' };
const stop = (reason: StopReason): Decision => ({ kind: 'stop', reason });

function failure(facts: Partial<Failure>): Failure {
  return { cancelled: false, status: undefined, code: undefined, serverWait: undefined, ...facts };
}
const status = (code: number, serverWait?: number) => failure({ status: code, serverWait });
const network = (code: string) => failure({ code });

interface Row {
  readonly outcome: string;
  readonly failure: Failure;
  readonly classified: Outcome;
  /** GET HEAD OPTIONS PUT DELETE */
  readonly safe: Decision;
  /** POST PATCH */
  readonly unsafe: Decision;
}

// DESIGN.md, "When to retry: the safety matrix"
const MATRIX: Row[] = [
  { outcome: '429', failure: status(429), classified: 'rate-limited', safe: RETRY, unsafe: RETRY },
  { outcome: '429 with Retry-After', failure: status(429, 2_000), classified: 'rate-limited', safe: RETRY, unsafe: RETRY },
  { outcome: '418 with Retry-After', failure: status(418, 120_000), classified: 'rate-limited', safe: RETRY, unsafe: RETRY },
  { outcome: '418 with Retry-After: 0', failure: status(418, 0), classified: 'rate-limited', safe: RETRY, unsafe: RETRY },
  { outcome: '418 without Retry-After', failure: status(418), classified: 'rejected', safe: stop('not-retryable'), unsafe: stop('not-retryable') },
  { outcome: '408', failure: status(408), classified: 'not-processed', safe: RETRY, unsafe: RETRY },
  { outcome: '425', failure: status(425), classified: 'not-processed', safe: RETRY, unsafe: RETRY },
  { outcome: 'ECONNREFUSED', failure: network('ECONNREFUSED'), classified: 'not-processed', safe: RETRY, unsafe: RETRY },
  { outcome: 'ENOTFOUND', failure: network('ENOTFOUND'), classified: 'not-processed', safe: RETRY, unsafe: RETRY },
  { outcome: 'EAI_AGAIN', failure: network('EAI_AGAIN'), classified: 'not-processed', safe: RETRY, unsafe: RETRY },
  { outcome: 'ECONNRESET', failure: network('ECONNRESET'), classified: 'unknown', safe: RETRY, unsafe: stop('unsafe-method') },
  { outcome: 'ECONNABORTED (axios timeout)', failure: network('ECONNABORTED'), classified: 'unknown', safe: RETRY, unsafe: stop('unsafe-method') },
  { outcome: 'ETIMEDOUT', failure: network('ETIMEDOUT'), classified: 'unknown', safe: RETRY, unsafe: stop('unsafe-method') },
  { outcome: '500', failure: status(500), classified: 'unknown', safe: RETRY, unsafe: stop('unsafe-method') },
  { outcome: '502', failure: status(502), classified: 'unknown', safe: RETRY, unsafe: stop('unsafe-method') },
  { outcome: '503', failure: status(503), classified: 'unknown', safe: RETRY, unsafe: stop('unsafe-method') },
  { outcome: '503 with Retry-After', failure: status(503, 5_000), classified: 'unknown', safe: RETRY, unsafe: stop('unsafe-method') },
  { outcome: '504', failure: status(504), classified: 'unknown', safe: RETRY, unsafe: stop('unsafe-method') },
  { outcome: '400', failure: status(400), classified: 'rejected', safe: stop('not-retryable'), unsafe: stop('not-retryable') },
  { outcome: '401', failure: status(401), classified: 'rejected', safe: stop('not-retryable'), unsafe: stop('not-retryable') },
  { outcome: '403', failure: status(403), classified: 'rejected', safe: stop('not-retryable'), unsafe: stop('not-retryable') },
  { outcome: '404', failure: status(404), classified: 'rejected', safe: stop('not-retryable'), unsafe: stop('not-retryable') },
  { outcome: '409', failure: status(409), classified: 'rejected', safe: stop('not-retryable'), unsafe: stop('not-retryable') },
  { outcome: '422', failure: status(422), classified: 'rejected', safe: stop('not-retryable'), unsafe: stop('not-retryable') },
  { outcome: 'cancelled', failure: failure({ cancelled: true, code: 'ERR_CANCELED' }), classified: 'cancelled', safe: stop('cancelled'), unsafe: stop('cancelled') },
];

const says = (d: Decision) => (d.kind === 'retry' ? 'retries' : `stops (${d.reason})`);

const CASES = MATRIX.flatMap((row) =>
  METHODS.map((method) => {
    const expected = SAFE.includes(method) ? row.safe : row.unsafe;
    return { ...row, method, expected, says: says(expected) };
  }),
);

const defaults = resolveOptions();

/** classify then decide, as the interceptor does, for a first failure. */
function verdict(f: Failure, method: string, options = defaults, attempt = 0, idempotent = false): Decision {
  return decide({ outcome: classify(f, options.statusCodes), method, attempt, idempotent, canResign: false }, options);
}

describe('the safety matrix with default options', () => {
  it.each(CASES)('$outcome on $method is classified $classified', ({ failure: f, classified }) => {
    expect(classify(f, defaults.statusCodes)).toBe(classified);
  });

  it.each(CASES)('$says on $outcome for $method', ({ failure: f, method, expected }) => {
    expect(verdict(f, method)).toEqual(expected);
  });
});

describe('classify', () => {
  it.each<[string, Outcome]>([
    ['ENETUNREACH', 'not-processed'],
    ['EHOSTUNREACH', 'not-processed'],
    ['EPIPE', 'unknown'],
    ['ERR_NETWORK', 'unknown'],
    ['ESOCKETTIMEDOUT', 'unknown'],
    ['ERR_BAD_OPTION', 'rejected'],
    ['ERR_INVALID_URL', 'rejected'],
    ['ERR_FR_TOO_MANY_REDIRECTS', 'rejected'],
    // A body cut short, fetch's socket error, a code nobody listed: the request may have been acted on.
    ['ERR_BAD_RESPONSE', 'unknown'],
    ['UND_ERR_SOCKET', 'unknown'],
    ['ERR_STREAM_PREMATURE_CLOSE', 'unknown'],
  ])('reads the network code %s without a response as %s', (code, outcome) => {
    expect(classify(network(code), defaults.statusCodes)).toBe(outcome);
  });

  it('reads a network failure with neither status nor code as unknown: it cannot tell whether the request left', () => {
    expect(classify(failure({}), defaults.statusCodes)).toBe('unknown');
  });

  it('reads a failure with a code that says nothing of the network (ERR_BAD_OPTION) as rejected', () => {
    expect(classify(failure({ code: 'ERR_BAD_OPTION' }), defaults.statusCodes)).toBe('rejected');
  });

  it('reads a cancel as cancelled whatever else the failure says', () => {
    expect(classify(failure({ cancelled: true, status: 429, serverWait: 1_000 }), defaults.statusCodes)).toBe('cancelled');
    expect(classify(failure({ cancelled: true, code: 'ECONNREFUSED' }), defaults.statusCodes)).toBe('cancelled');
  });
});

describe('a custom statusCodes set', () => {
  const only = resolveOptions({ statusCodes: [429, 503, 409] });

  it.each([500, 502, 504, 408, 425])('rejects %p, which it does not list', (code) => {
    expect(classify(status(code), only.statusCodes)).toBe('rejected');
    expect(verdict(status(code), 'get', only)).toEqual(stop('not-retryable'));
  });

  it('rejects a 418 with Retry-After when 418 is not listed', () => {
    expect(verdict(status(418, 1_000), 'get', only)).toEqual(stop('not-retryable'));
  });

  it('still retries the statuses it lists', () => {
    expect(verdict(status(429), 'post', only)).toEqual(RETRY);
    expect(verdict(status(503), 'get', only)).toEqual(RETRY);
  });

  it('treats an added status as an unknown outcome: GET retries, POST does not', () => {
    expect(classify(status(409), only.statusCodes)).toBe('unknown');
    expect(verdict(status(409), 'get', only)).toEqual(RETRY);
    expect(verdict(status(409), 'post', only)).toEqual(stop('unsafe-method'));
  });

  it('does not change how network failures are read', () => {
    expect(verdict(network('ECONNREFUSED'), 'post', only)).toEqual(RETRY);
    expect(verdict(network('ECONNRESET'), 'get', only)).toEqual(RETRY);
    expect(verdict(network('ECONNRESET'), 'post', only)).toEqual(stop('unsafe-method'));
  });
});

describe('retries exhausted', () => {
  const two = resolveOptions({ retries: 2 });

  it.each<[number, Decision]>([
    [0, RETRY],
    [1, RETRY],
    [2, stop('retries-exhausted')],
    [3, stop('retries-exhausted')],
  ])('with retries 2, after %p retries made: %o', (attempt, expected) => {
    expect(verdict(status(503), 'get', two, attempt)).toEqual(expected);
    expect(verdict(status(429), 'post', two, attempt)).toEqual(expected);
  });

  it('never retries with retries 0', () => {
    const none = resolveOptions({ retries: 0 });
    expect(verdict(status(429), 'get', none, 0)).toEqual(stop('retries-exhausted'));
    expect(verdict(network('ECONNREFUSED'), 'post', none, 0)).toEqual(stop('retries-exhausted'));
  });

  it('still names the rule, not the count, for a failure that is never retried', () => {
    expect(verdict(status(404), 'get', two, 5)).toEqual(stop('not-retryable'));
    expect(verdict(failure({ cancelled: true }), 'get', two, 5)).toEqual(stop('cancelled'));
  });
});

describe('idempotent requests', () => {
  const unknownRows = MATRIX.filter((row) => row.classified === 'unknown');

  it.each(unknownRows.flatMap((row) => UNSAFE.map((method) => ({ ...row, method }))))(
    'retries $method on $outcome when the request is marked idempotent',
    ({ failure: f, method }) => {
      expect(verdict(f, method, defaults, 0, true)).toEqual(RETRY);
    },
  );

  it('does not widen what is rejected or cancelled', () => {
    expect(verdict(status(400), 'post', defaults, 0, true)).toEqual(stop('not-retryable'));
    expect(verdict(failure({ cancelled: true }), 'post', defaults, 0, true)).toEqual(stop('cancelled'));
  });

  it('still stops when retries are exhausted', () => {
    expect(verdict(status(500), 'post', defaults, 3, true)).toEqual(stop('retries-exhausted'));
  });
});

describe("a custom methods set (only 'get')", () => {
  const getOnly = resolveOptions({ methods: ['get'] });

  it.each(['put', 'delete', 'head', 'post'])('stops %s on an unknown outcome', (method) => {
    expect(verdict(status(503), method, getOnly)).toEqual(stop('unsafe-method'));
    expect(verdict(network('ECONNRESET'), method, getOnly)).toEqual(stop('unsafe-method'));
  });

  it.each(['put', 'post'])('still retries %s when the server cannot have acted on it', (method) => {
    expect(verdict(status(429), method, getOnly)).toEqual(RETRY);
    expect(verdict(status(418, 60_000), method, getOnly)).toEqual(RETRY);
    expect(verdict(status(408), method, getOnly)).toEqual(RETRY);
    expect(verdict(network('ECONNREFUSED'), method, getOnly)).toEqual(RETRY);
  });

  it('still retries GET on an unknown outcome', () => {
    expect(verdict(status(503), 'get', getOnly)).toEqual(RETRY);
  });

  it('retries POST on an unknown outcome once the user lists it', () => {
    const withPost = resolveOptions({ methods: ['GET', 'POST'] });
    expect(verdict(status(502), 'post', withPost)).toEqual(RETRY);
  });
});

describe('a wait past a signed request\'s validity', () => {
  const options = resolveOptions({});
  const wait = (delay: number, signedUntil: number | undefined) => refuseWait({ delay, serverWait: delay, now: 1_000, startedAt: 1_000, signedUntil }, options);
  // Now is 1000; half a second of validity is kept for the request to reach the server.
  it.each([
    [499, 2_000, undefined],
    [500, 2_000, undefined],
    [501, 2_000, 'needs-resign'],
    [60_000, undefined, undefined],
  ])('a wait of %s ms, signed until %s: %s', (delay, until, reason) => {
    expect(wait(delay, until)).toBe(reason);
  });

  it('says the longer wait first: retry-after-too-long before needs-resign', () => {
    expect(wait(120_000, 2_000)).toBe('retry-after-too-long');
  });
});
