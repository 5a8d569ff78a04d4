import { BURST_MIN_MS, FAULT_LIMIT, FAULT_SCENARIOS, recoveryMs, throughput, type FaultRun, type FaultScenario } from './faults';
import { markdownTable, medians, TIMED_OUT_MARK, type TableLine } from './report';
import { atLeast, atMost, counts, ms, ratio, type Row } from './rows';

const COLUMN = 'Redis store';

const failed = (run: FaultRun): number => run.calls.filter((c) => !c?.ok).length;
const limitOf = (s: FaultScenario): number => s.sim.limit;

const refusals: Row<FaultRun> = {
  measure: '429s / 418s / failed calls',
  target: '— / 0 / 0',
  values: (r) => [r.stats.rateLimited, r.stats.banned, failed(r)],
  format: counts,
  meets: ([, banned, lost]) => banned === 0 && lost === 0,
};

function rowsFor(s: FaultScenario): Array<Row<FaultRun>> {
  const rows: Array<Row<FaultRun>> = [];
  if (s.name.startsWith('burst-')) {
    rows.push({ measure: 'wall time / theoretical min', target: '≤ 1.15', values: (r) => [r.wallMs / BURST_MIN_MS], format: ratio, meets: atMost(1.15) });
  }
  rows.push(refusals);
  const from = s.recoverFromMs;
  if (from !== undefined) {
    const after = s.name === 'worker-dies' ? 'the worker died' : 'Redis returned';
    rows.push({
      measure: `ms after ${after} until a second admits ≥ 90 % of the limit`,
      target: '≤ 5000',
      values: (r) => [recoveryMs(r.admissions, from, limitOf(s))],
      format: ms,
      meets: atMost(5000),
    });
  }
  const over = s.throughputOver;
  if (over) {
    rows.push({
      measure: `admitted per s / limit, ${over[0] / 1000}-${over[1] / 1000} s`,
      target: '≥ 0.90',
      values: (r) => [throughput(r.admissions, over, limitOf(s))],
      format: ratio,
      meets: atLeast(0.9),
    });
  }
  if (s.name.startsWith('overload')) {
    rows.push({ measure: 'admitted per s / limit, 2-40 s', target: '—', values: (r) => [throughput(r.admissions, [2_000, 40_000], limitOf(s))], format: ratio });
  }
  return rows;
}

function lines(results: ReadonlyMap<string, FaultRun[]>): TableLine[] {
  return FAULT_SCENARIOS.filter((s) => results.has(s.name)).flatMap((s) => {
    const runs = results.get(s.name)!;
    const cut = runs.some((r) => r.problems.length > 0);
    return rowsFor(s).map((row) => {
      const values = medians(row, runs);
      let cell = row.format(values) + (cut ? ` ${TIMED_OUT_MARK}` : '');
      if (row.meets) cell += row.meets(values, []) ? ' ✓' : ' ✗';
      return { scenario: s.name, measure: row.measure, target: row.target, cells: [cell] };
    });
  });
}

export function faultsTable(results: ReadonlyMap<string, FaultRun[]> | string, runs: number): string {
  if (typeof results === 'string') return `Faults: not run (${results}).`;
  const footer = `${runs} run${runs > 1 ? 's' : ''} per scenario, medians shown; ${TIMED_OUT_MARK}: a process died unplanned or hit its time limit in some run`;
  return `${markdownTable(lines(results), [COLUMN])}\n\n${footer}`;
}

/** The section of bench/results.md. */
export function faultsSection(results: ReadonlyMap<string, FaultRun[]> | string, runs: number): string {
  return [
    '## Several processes through faults',
    '',
    `Node processes, each with its own axios instance, \`attach(api, { retries: 10, store })\` and a \`redisStore\` on one ` +
      `redis-server started for the run, at one simulated exchange (${FAULT_LIMIT} a second in fixed 1 s windows unless ` +
      'said, 429 with Retry-After, 418 bans), which counts them all as one client, as an exchange counts one IP. A stream ' +
      'is open-loop: calls start on schedule whatever is pending. Calls still pending 30 s after the last one started count as failed.',
    '',
    ...FAULT_SCENARIOS.map((s) => `- **${s.name}**: ${s.about}`),
    '',
    faultsTable(results, runs),
    '',
  ].join('\n');
}
