import type { ExchangeSimOptions } from '../examples/exchange-sim';
import { RETRIES } from './clients';
import { fewRefusalsRow, getTicker, lastWindowOpensMs, RUN_LIMIT_MS, wallRow, type NetScenario } from './scenario-kit';

// One burst of concurrent GETs against each way a server may count (fixed window, sliding
// log, token bucket), with Retry-After on its 429s and without: a rate model tuned on one
// shape has to hold on the others. The same targets for all: no ban, no failure, and 429s
// at most a tenth of the calls and no more than the best peer's.

interface Shape {
  readonly name: string;
  readonly sim: ExchangeSimOptions;
  readonly calls: number;
  readonly minMs: number;
  /** What the server does, for `about`. */
  readonly server: string;
  /** How the theoretical minimum is reached, for `about`. */
  readonly minimum: string;
}

const FIXED_CALLS = 250;
const SLIDING_CALLS = 150;
const BUCKET_CALLS = 150;
const BUCKET = { limit: 10, windowMs: 1000, burst: 10 };

const SHAPES: readonly Shape[] = [
  {
    name: 'fixed-window',
    sim: { limit: 100, windowMs: 10_000 },
    calls: FIXED_CALLS,
    minMs: lastWindowOpensMs(FIXED_CALLS, 100, 10_000),
    server: 'admits 100 requests per fixed 10 s window (aligned to the first call)',
    minimum: `(ceil(${FIXED_CALLS}/100) - 1) × 10 s = ${lastWindowOpensMs(FIXED_CALLS, 100, 10_000)} ms, when the last needed window opens`,
  },
  {
    name: 'sliding-window',
    sim: { limit: 20, windowMs: 1000, limiter: 'sliding' },
    calls: SLIDING_CALLS,
    minMs: lastWindowOpensMs(SLIDING_CALLS, 20, 1000),
    server: 'admits at most 20 requests in any 1000 ms (a sliding log; 429s are not counted)',
    minimum: `(ceil(${SLIDING_CALLS}/20) - 1) × 1000 ms = ${lastWindowOpensMs(SLIDING_CALLS, 20, 1000)} ms, as 20 leave the log each second`,
  },
  {
    name: 'token-bucket',
    sim: { ...BUCKET, limiter: 'bucket' },
    calls: BUCKET_CALLS,
    minMs: ((BUCKET_CALLS - BUCKET.burst) / BUCKET.limit) * BUCKET.windowMs,
    server: `holds a token bucket of ${BUCKET.burst}, full at the first call and refilled continuously at ${BUCKET.limit} per second`,
    minimum:
      `(calls - burst) / rate = (${BUCKET_CALLS} - ${BUCKET.burst}) / ${BUCKET.limit} per s = ` +
      `${((BUCKET_CALLS - BUCKET.burst) / BUCKET.limit) * BUCKET.windowMs} ms, when the last token needed drips in`,
  },
];

function limiterScenario(shape: Shape, retryAfter: boolean): NetScenario {
  const refusal = retryAfter
    ? 'answers the rest 429 with Retry-After (whole seconds until a request would be admitted, rounded up)'
    : 'answers the rest 429 with no Retry-After and no other hint';
  return {
    name: retryAfter ? shape.name : `${shape.name}-no-ra`,
    job: { sim: { ...shape.sim, retryAfter }, calls: shape.calls, send: getTicker, ours: { retries: RETRIES }, limitMs: RUN_LIMIT_MS },
    rows: [wallRow(shape.minMs), fewRefusalsRow(shape.calls)],
    key: (r) => r.wallMs,
    about:
      `${shape.calls} concurrent GETs against a server that ${shape.server}, ${refusal}; more than 40 requests refused ` +
      'within a window of the first refusal of a run earn a 418 ban (2 s, doubling; the 418 keeps its Retry-After). ' +
      `The theoretical minimum wall time is ${shape.minimum}. "Best peer" is the fewest 429s among the other three clients.`,
  };
}

export const LIMITER_SCENARIOS: readonly NetScenario[] = SHAPES.flatMap((shape) => [
  limiterScenario(shape, true),
  limiterScenario(shape, false),
]);
