import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS, type ClientName } from './clients';
import { isCharted, scenarioChart } from './charts';
import { FIRST_CONTACT, FIRST_CONTACT_ROWS, runFirstContactApart, type FirstContactRun } from './first-contact';
import type { SimRun } from './harness';
import { runOnFreshSim } from './harness';
import { HAPPY_ROWS, runHappyPathApart, type HappyRun } from './happy';
import { runMultiProcess, type MultiResult } from './multi-process';
import { multiChart, multiSection, multiTable } from './multi-report';
import { FAULT_SCENARIOS, runFaults, type FaultRun } from './faults';
import { faultsSection, faultsTable } from './faults-report';
import { linesFor, markdownTable, type TableLine } from './report';
import { resultsMarkdown } from './results';
import { NET_SCENARIOS, type NetScenario } from './scenarios';

const HAPPY = 'happy path';
const MULTI = 'multi';
const FAULTS = 'faults';
const FAULT_NAMES = FAULT_SCENARIOS.map((s) => s.name);

/** What one invocation runs; only a run of everything writes results.md and the charts. */
interface Plan {
  readonly net: readonly NetScenario[];
  readonly happy: boolean;
  readonly first: boolean;
  readonly multi: boolean;
  /** The fault scenarios to run (`multi` runs them all, `faults` too). */
  readonly faults: readonly string[];
  readonly write: boolean;
}

function parseRuns(argv: readonly string[]): number {
  if (argv.includes('--quick')) return 1;
  const at = argv.indexOf('--runs');
  if (at < 0) return 3;
  const runs = Number(argv[at + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a whole number >= 1, got ${argv[at + 1]}`);
  return runs;
}

/** `--only a,b`: those scenarios alone, printed; results.md and the charts are left as they are. */
function parsePlan(argv: readonly string[]): Plan {
  const at = argv.indexOf('--only');
  if (at < 0) return { net: NET_SCENARIOS, happy: true, first: true, multi: true, faults: FAULT_NAMES, write: true };
  const names = (argv[at + 1] ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const known = [...NET_SCENARIOS.map((s) => s.name), HAPPY, 'happy', FIRST_CONTACT, MULTI, FAULTS, ...FAULT_NAMES];
  const unknown = names.filter((n) => !known.includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new RangeError(`--only takes scenario names separated by commas, among ${known.join(', ')}; got ${argv[at + 1]}`);
  }
  const happy = names.includes(HAPPY) || names.includes('happy');
  const multi = names.includes(MULTI);
  const faults = multi || names.includes(FAULTS) ? FAULT_NAMES : FAULT_NAMES.filter((n) => names.includes(n));
  return { net: NET_SCENARIOS.filter((s) => names.includes(s.name)), happy, first: names.includes(FIRST_CONTACT), multi, faults, write: false };
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

/** A measure run apart (happy path, first contact): one result for every client. */
async function runApartInto<R>(name: string, work: () => Promise<Record<ClientName, R>>, into: Record<ClientName, R[]>, run: number): Promise<void> {
  const started = performance.now();
  const result = await work();
  for (const client of CLIENTS) into[client].push(result[client]);
  progress(`run ${run} ${name} done: ${Math.round(performance.now() - started)} ms`);
}

interface MainResult {
  readonly table: string;
  readonly footer: string;
  readonly net: Map<string, Record<ClientName, SimRun[]>>;
}

async function runMain(runs: number, plan: Plan): Promise<MainResult> {
  const net = new Map(plan.net.map((s) => [s.name, perClient<SimRun>()]));
  const happy = perClient<HappyRun>();
  const first = perClient<FirstContactRun>();
  for (let run = 1; run <= runs; run++) {
    for (const scenario of plan.net) await runNet(scenario, net.get(scenario.name)!, run);
    if (plan.happy) await runApartInto(HAPPY, runHappyPathApart, happy, run);
    if (plan.first) await runApartInto(FIRST_CONTACT, runFirstContactApart, first, run);
  }

  const lines: TableLine[] = [];
  for (const scenario of plan.net) {
    const results = net.get(scenario.name)!;
    const timedOut = new Set(CLIENTS.filter((c) => results[c].some((r) => r.timedOut)));
    lines.push(...linesFor(scenario.name, scenario.rows, results, timedOut));
  }
  if (plan.happy) lines.push(...linesFor(HAPPY, HAPPY_ROWS, happy));
  if (plan.first) lines.push(...linesFor(FIRST_CONTACT, FIRST_CONTACT_ROWS, first));

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

type Faults = Map<string, FaultRun[]> | string;

function writeResults(main: MainResult, multi: MultiResult, faults: Faults, runs: number): void {
  const shared = `${multiSection(multi, runs, multi.ran)}\n${faultsSection(faults, runs)}`;
  writeFileSync(join(__dirname, 'results.md'), resultsMarkdown(main.table, main.footer, shared));
  for (const scenario of NET_SCENARIOS.filter(isCharted)) {
    writeFileSync(join(__dirname, `${scenario.name}.svg`), scenarioChart(scenario, main.net.get(scenario.name)!));
  }
  if (multi.ran) writeFileSync(join(__dirname, 'multi-process.svg'), multiChart(multi.runs));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = parseRuns(argv);
  const plan = parsePlan(argv);
  const started = performance.now();
  let result: MainResult | undefined;
  if (plan.net.length > 0 || plan.happy || plan.first) {
    result = await runMain(runs, plan);
    console.log(`${result.table}\n\n${result.footer}`);
  }
  let multi: MultiResult | undefined;
  if (plan.multi) {
    multi = await runMulti(runs, plan.write);
    console.log(`${result ? '\n' : ''}${multiTable(multi, runs)}`);
  }
  let faults: Faults | undefined;
  if (plan.faults.length > 0) {
    faults = await runFaults(runs, progress, (name) => plan.faults.includes(name));
    console.log(`\n${faultsTable(faults, runs)}`);
  }
  progress(`bench: ${Math.round((performance.now() - started) / 1000)} s in all`);
  if (!plan.write) return progress('--only: bench/results.md and the charts are left as they are');
  writeResults(result!, multi!, faults!, runs);
}

main().then(
  // A peer may still hold a long backoff timer for a call cut at the time limit: don't wait it out.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
