import { isCharted } from './charts';
import { RETRIES } from './clients';
import { FIRST_CONTACT, FIRST_CONTACT_ABOUT } from './first-contact';
import { HAPPY_ABOUT } from './happy';
import { TIMED_OUT_MARK } from './report';
import { NET_SCENARIOS, RUN_LIMIT_MS } from './scenarios';

const CLIENT_SETUP = [
  '- **bare axios**: `axios.create()`, nothing else.',
  `- **axios-retry**: \`axiosRetry(api, { retries: ${RETRIES}, retryDelay: exponentialDelay, retryCondition: e => ` +
    'isNetworkOrIdempotentRequestError(e) || e.response?.status === 429 })`. `exponentialDelay` waits ' +
    'max(2^n × 100 ms, Retry-After) plus up to 20 %; the condition retries network errors for every method, ' +
    '5xx and 429 for idempotent ones, and 429 for the rest. A 418 is not retried.',
  `- **retry-axios**: \`raxConfig: { retry: ${RETRIES}, backoffType: 'exponential', statusCodesToRetry: [[429, 429], ` +
    "[500, 599]] }`, methods left at the default (GET HEAD PUT OPTIONS DELETE: no POST); Retry-After is honoured " +
    'by default (up to 5 min). A 418 is not retried.',
  `- **axios-backoff**: \`attach(api, { retries: ${RETRIES} })\` (the happy path uses \`attach(api)\`), every other ` +
    'option at its default, per-origin coordination included; open-loop-2x adds `maxElapsed: 60_000` and ' +
    "quota-binance the Binance preset told the server's limits, as each scenario says.",
];

const timedOutNote =
  `${TIMED_OUT_MARK}: at least one run hit the ${RUN_LIMIT_MS / 1000} s limit per scenario and client; its unsettled ` +
  'calls count as failed and its wall time as the limit.';

const USAGE =
  'Run with `ts-node --transpile-only bench/run.ts` (`npm run bench`; `--runs N`, default 3; `--quick` for one run; ' +
  '`--only <name>[,<name>]` runs those scenarios alone, named as in the table (`happy` for the happy path, `multi` for ' +
  'the multi-process scenario), and only prints them). Each client runs each scenario against a fresh loopback ' +
  'simulator (`examples/exchange-sim.ts`), so no window, ban or learned pace carries over. ✓ / ✗ judge the ' +
  'axios-backoff cell against the target. "-no-ra" scenarios answer 429 without Retry-After.';

function charts(): string[] {
  return NET_SCENARIOS.filter(isCharted).flatMap((s) => [s.chart.caption, '', `![${s.name}](${s.name}.svg)`, '']);
}

/** bench/results.md: the table, what each scenario does, the charts, then the multi-process section. */
export function resultsMarkdown(table: string, footer: string, multi: string): string {
  const scenarios = NET_SCENARIOS.map((s) => `- **${s.name}**: ${s.about}`);
  return [
    '# Benchmarks against the peers',
    '',
    USAGE,
    '',
    table,
    '',
    footer,
    '',
    ...(table.includes(TIMED_OUT_MARK) ? [timedOutNote, ''] : []),
    '## Scenarios',
    '',
    ...scenarios,
    `- **happy path**: ${HAPPY_ABOUT}`,
    `- **${FIRST_CONTACT}**: ${FIRST_CONTACT_ABOUT}`,
    '',
    '## Clients',
    '',
    ...CLIENT_SETUP,
    '',
    '## Requests over time',
    '',
    ...charts(),
    multi,
  ].join('\n');
}
