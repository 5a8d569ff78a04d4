import { RETRIES } from './clients';
import {
  CALLS_EACH, MULTI_CALLS, MULTI_LIMIT, MULTI_LIMIT_MS, MULTI_MIN_MS, MULTI_WINDOW_MS, PROCESSES, STORES,
  type MultiResult, type MultiRun, type StoreName,
} from './multi-process';
import { markdownTable, medians, TIMED_OUT_MARK, type TableLine } from './report';
import { atMost, counts, NO_TARGET, ratio, type Row } from './rows';
import { medianIndex, perBucket } from './stats';
import { lineChart } from './svg';

const SCENARIO = `${PROCESSES} processes`;
/** The column the targets judge; the in-memory one shows what happens without sharing. */
const JUDGED: StoreName = 'Redis store';
const BUCKET_MS = 100;
const COLOURS: Record<StoreName, string> = { 'Redis store': '#1f77b4', 'in-memory store': '#7f7f7f' };

const failed = (run: MultiRun): number => run.calls.filter((c) => !c?.ok).length;
const sentBy = (run: MultiRun): number[] => run.processes.flatMap((p) => (p ? [p.attempts.length] : []));

export const MULTI_ROWS: ReadonlyArray<Row<MultiRun>> = [
  { measure: 'wall time / theoretical min', target: '≤ 1.20', values: (r) => [r.wallMs / MULTI_MIN_MS], format: ratio, meets: atMost(1.2) },
  { measure: `requests sent / ${MULTI_CALLS}`, target: '≤ 1.30', values: (r) => [r.stats.sent / MULTI_CALLS], format: ratio, meets: atMost(1.3) },
  {
    measure: '429s / 418s / failed calls',
    target: '— / 0 / —',
    values: (r) => [r.stats.rateLimited, r.stats.banned, failed(r)],
    format: counts,
    meets: ([, banned]) => banned === 0,
  },
  {
    measure: 'requests sent per process, fewest / most',
    target: NO_TARGET,
    values: (r) => [Math.min(...sentBy(r)), Math.max(...sentBy(r))],
    format: counts,
  },
];

export const MULTI_ABOUT =
  `${PROCESSES} node processes on one IP, each with its own axios instance and \`attach(api, { retries: ${RETRIES}, ` +
  `store })\`, fire ${CALLS_EACH} concurrent GETs each at one common start time, ${MULTI_CALLS} in all, at one ` +
  `simulated exchange (the burst scenario's: ${MULTI_LIMIT} requests per fixed ${MULTI_WINDOW_MS} ms window per client, ` +
  '429 with Retry-After, 418 bans for clients that keep going); the simulator counts all four as one client, as an ' +
  "exchange counts one IP. **Redis store**: `redisStore(new Redis(...), { prefix })` on a local redis-server, a fresh " +
  'prefix each run, so the four share cooldown, pace and budget. **in-memory store**: the default, each process ' +
  'alone. The theoretical minimum wall time is ' +
  `(ceil(${MULTI_CALLS}/${MULTI_LIMIT}) - 1) × ${MULTI_WINDOW_MS} ms = ${MULTI_MIN_MS} ms; wall time runs from the ` +
  'first call started to the last one settled, across processes. Targets judge the Redis store column; the ' +
  'in-memory column has none.';

function lines(runs: Record<StoreName, MultiRun[]>): TableLine[] {
  return MULTI_ROWS.map((row) => ({
    scenario: SCENARIO,
    measure: row.measure,
    target: row.target,
    cells: STORES.map((store) => {
      const values = medians(row, runs[store]);
      let cell = row.format(values);
      if (runs[store].some((r) => r.timedOut)) cell += ` ${TIMED_OUT_MARK}`;
      const others = () => STORES.filter((s) => s !== JUDGED).map((s) => medians(row, runs[s]));
      if (store === JUDGED && row.meets) cell += row.meets(values, others()) ? ' ✓' : ' ✗';
      return cell;
    }),
  }));
}

/** The table and its footer, or why the scenario did not run. */
export function multiTable(result: MultiResult, runs: number): string {
  if (!result.ran) return `${SCENARIO}, one limit: not run (${result.reason}).`;
  const table = markdownTable(lines(result.runs), STORES);
  const footer = `${runs} run${runs > 1 ? 's' : ''} per store, medians shown; ✓ / ✗ judge the ${JUDGED} cell`;
  const timedOut = STORES.some((s) => result.runs[s].some((r) => r.timedOut));
  const note = timedOut
    ? `\n\n${TIMED_OUT_MARK}: in at least one run a process hit the ${MULTI_LIMIT_MS / 1000} s limit or died; its unsettled ` +
      'calls count as failed and the wall time as the limit.'
    : '';
  return `${table}\n\n${footer}${note}`;
}

/** The section of bench/results.md. */
export function multiSection(result: MultiResult, runs: number, charted: boolean): string {
  return [
    `## Several processes, one limit: ${PROCESSES} × ${CALLS_EACH} GETs`,
    '',
    MULTI_ABOUT,
    '',
    multiTable(result, runs),
    '',
    ...(charted ? ['Requests reaching the server per 100 ms, from the run with the median wall time of each store.', '', '![multi-process](multi-process.svg)', ''] : []),
  ].join('\n');
}

export function multiChart(runs: Record<StoreName, MultiRun[]>): string {
  const charted = STORES.map((store) => ({ store, run: runs[store][medianIndex(runs[store], (r) => r.wallMs)] }));
  const lastMs = Math.max(0, ...charted.flatMap(({ run }) => run.arrivals));
  const buckets = Math.floor(lastMs / BUCKET_MS) + 2;
  return lineChart({
    title: `${PROCESSES} processes × ${CALLS_EACH} GETs: requests reaching the server (median run of each store)`,
    bucketMs: BUCKET_MS,
    series: charted.map(({ store, run }) => ({ name: store, colour: COLOURS[store], counts: perBucket(run.arrivals, BUCKET_MS, buckets) })),
  });
}
