import type { CallRecord, Send, SimJob, SimRun } from './harness';
import { atMost, counts, NO_TARGET, ratio, type Row } from './rows';

/** A chart of one scenario, from the median run of each client, written as bench/<name>.svg. */
export interface ChartSpec {
  /** Requests reaching the server, or only those its limiter admitted. */
  readonly of: 'arrivals' | 'admitted';
  readonly bucketMs: number;
  /** A dashed horizontal line, e.g. at the limit. */
  readonly level?: { readonly value: number; readonly label: string };
  /** The sentence under the chart in results.md. */
  readonly caption: string;
}

export interface NetScenario {
  /** As the table shows it and `--only` takes it. */
  readonly name: string;
  readonly job: SimJob;
  readonly rows: ReadonlyArray<Row<SimRun>>;
  /** The measure that picks the median run for the chart. */
  readonly key: (run: SimRun) => number;
  /** Moments worth a line on the chart, ms since the first call. */
  readonly markers?: ReadonlyArray<{ readonly atMs: number; readonly label: string }>;
  readonly chart?: ChartSpec;
  readonly about: string;
}

/** No scenario-client run may take longer than this: a benchmark of 4 clients × 14 scenarios has to end. */
export const RUN_LIMIT_MS = 40_000;

export const failed = (run: SimRun): number => run.calls.filter((c) => !c?.ok).length;
export const failedWith = (run: SimRun, test: (c: CallRecord) => boolean): number =>
  run.calls.filter((c) => c !== undefined && !c.ok && test(c)).length;

export const getTicker: Send = (api, _i, signal) => api.get('/api/v3/ticker', { signal });

/** The last of ceil(units / limit) fixed windows opens this long after the first: no client can finish sooner. */
export const lastWindowOpensMs = (units: number, limit: number, windowMs: number): number =>
  (Math.ceil(units / limit) - 1) * windowMs;

/** Wall time over the theoretical minimum, judged when `most` is given. */
export function wallRow(minMs: number, most?: number): Row<SimRun> {
  return {
    measure: 'wall time / theoretical min',
    target: most === undefined ? NO_TARGET : `≤ ${most.toFixed(2)}`,
    values: (r) => [r.wallMs / minMs],
    format: ratio,
    meets: most === undefined ? undefined : atMost(most),
  };
}

type Ceilings = readonly [limited: number | undefined, banned: number | undefined, failed: number | undefined];

const ceiling = (most: number | undefined): string => (most === undefined ? NO_TARGET : most === 0 ? '0' : `≤ ${most}`);

/** 429s / 418s / failed calls, each held to its ceiling (undefined: shown, not judged). */
export function outcomesRow(ceilings: Ceilings): Row<SimRun> {
  return {
    measure: '429s / 418s / failed calls',
    target: ceilings.map(ceiling).join(' / '),
    values: (r) => [r.stats.rateLimited, r.stats.banned, failed(r)],
    format: counts,
    meets: (values) => values.every((v, i) => ceilings[i] === undefined || v <= ceilings[i]!),
  };
}

/** 429s at most a tenth of the calls and no more than the fewest of any other client; no ban, no failure. */
export function fewRefusalsRow(calls: number): Row<SimRun> {
  const most = Math.floor(calls / 10);
  return {
    ...outcomesRow([most, 0, 0]),
    target: `≤ ${most} and ≤ best peer / 0 / 0`,
    meets: ([limited, banned, fails], others) =>
      limited <= most && limited <= Math.min(...others.map((o) => o[0])) && banned === 0 && fails === 0,
  };
}
