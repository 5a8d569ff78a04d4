import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS, type ClientName } from './clients';
import type { SimRun } from './harness';
import { runOnFreshSim } from './harness';
import { HAPPY_ROWS, runHappyPathApart, type HappyRun } from './happy';
import { runMultiProcess, type MultiResult } from './multi-process';
import { multiChart, multiSection, multiTable } from './multi-report';
import { linesFor, markdownTable, type TableLine } from './report';
import { resultsMarkdown } from './results';
import { NET_SCENARIOS, type NetScenario } from './scenarios';
import { medianIndex, perBucket } from './stats';
import { lineChart } from './svg';

const CHARTED = ['burst', 'outage'];
const BUCKET_MS = 100;
const COLOURS: Record<ClientName, string> = {
  'bare axios': '#7f7f7f',
  'axios-retry': '#d62728',
  'retry-axios': '#ff7f0e',
  'axios-backoff': '#1f77b4',
};

function parseRuns(argv: readonly string[]): number {
  if (argv.includes('--quick')) return 1;
  const at = argv.indexOf('--runs');
  if (at < 0) return 3;
  const runs = Number(argv[at + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a whole number >= 1, got ${argv[at + 1]}`);
  return runs;
}

/** `--only multi`: the multi-process scenario alone, printed; results.md and the charts are left as they are. */
function parseOnly(argv: readonly string[]): 'multi' | undefined {
  const at = argv.indexOf('--only');
  if (at < 0) return undefined;
  if (argv[at + 1] !== 'multi') throw new RangeError(`--only takes multi, got ${argv[at + 1]}`);
  return 'multi';
}

const perClient = <R>(): Record<ClientName, R[]> =>
  Object.fromEntries(CLIENTS.map((c) => [c, [] as R[]])) as unknown as Record<ClientName, R[]>;

const progress = (text: string): void => void process.stderr.write(`${text}\n`);

async function runNet(scenario: NetScenario, runs: Record<ClientName, SimRun[]>, run: number): Promise<void> {
  for (const client of CLIENTS) {
    const started = performance.now();
    const result = await runOnFreshSim(client, scenario.job);
    runs[client].push(result);
    const note = result.timedOut ? ' (time limit)' : '';
    progress(`run ${run} ${scenario.name} ${client}: ${Math.round(performance.now() - started)} ms${note}`);
  }
}

function chart(scenario: NetScenario, runs: Record<ClientName, SimRun[]>): string {
  const charted = CLIENTS.map((client) => {
    const list = runs[client];
    return { client, run: list[medianIndex(list, scenario.key)] };
  });
  const lastMs = Math.max(0, ...charted.flatMap(({ run }) => run.arrivals));
  const buckets = Math.floor(lastMs / BUCKET_MS) + 2;
  return lineChart({
    title: `${scenario.name}: requests reaching the server (median run of each client)`,
    bucketMs: BUCKET_MS,
    markers: scenario.markers,
    series: charted.map(({ client, run }) => ({ name: client, colour: COLOURS[client], counts: perBucket(run.arrivals, BUCKET_MS, buckets) })),
  });
}

async function runMain(runs: number): Promise<{ table: string; footer: string; net: Map<string, Record<ClientName, SimRun[]>> }> {
  const net = new Map(NET_SCENARIOS.map((s) => [s.name, perClient<SimRun>()]));
  const happy = perClient<HappyRun>();
  for (let run = 1; run <= runs; run++) {
    for (const scenario of NET_SCENARIOS) await runNet(scenario, net.get(scenario.name)!, run);
    const result = await runHappyPathApart();
    for (const client of CLIENTS) happy[client].push(result[client]);
    progress(`run ${run} happy path done`);
  }

  const lines: TableLine[] = [];
  for (const scenario of NET_SCENARIOS) {
    const results = net.get(scenario.name)!;
    const timedOut = new Set(CLIENTS.filter((c) => results[c].some((r) => r.timedOut)));
    lines.push(...linesFor(scenario.name, scenario.rows, results, timedOut));
  }
  lines.push(...linesFor('happy path', HAPPY_ROWS, happy));

  const table = markdownTable(lines);
  const footer = `${runs} run${runs > 1 ? 's' : ''} per client and scenario, medians shown; node ${process.version}`;
  return { table, footer, net };
}

/** The multi-process scenario; with `keepGoing`, a failure is reported in its table rather than thrown. */
async function runMulti(runs: number, keepGoing: boolean): Promise<MultiResult> {
  let result: MultiResult;
  try {
    result = await runMultiProcess(runs, progress);
  } catch (error) {
    if (!keepGoing) throw error;
    result = { ran: false, reason: `it failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!result.ran) progress(`multi-process scenario not run: ${result.reason}`);
  return result;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = parseRuns(argv);
  if (parseOnly(argv) === 'multi') {
    console.log(multiTable(await runMulti(runs, false), runs));
    progress('--only multi: bench/results.md and the charts are left as they are');
    return;
  }
  const { table, footer, net } = await runMain(runs);
  console.log(`${table}\n\n${footer}`);
  const multi = await runMulti(runs, true);
  console.log(`\n${multiTable(multi, runs)}`);

  writeFileSync(join(__dirname, 'results.md'), resultsMarkdown(table, footer, multiSection(multi, runs, multi.ran)));
  for (const scenario of NET_SCENARIOS.filter((s) => CHARTED.includes(s.name))) {
    writeFileSync(join(__dirname, `${scenario.name}.svg`), chart(scenario, net.get(scenario.name)!));
  }
  if (multi.ran) writeFileSync(join(__dirname, 'multi-process.svg'), multiChart(multi.runs));
}

main().then(
  // A peer may still hold a long backoff timer for a call cut at the time limit: don't wait it out.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
