import { CLIENTS, type ClientName } from './clients';
import type { SimRun } from './harness';
import type { ChartSpec, NetScenario } from './scenario-kit';
import { medianIndex, perBucket } from './stats';
import { lineChart } from './svg';

const COLOURS: Record<ClientName, string> = {
  'bare axios': '#7f7f7f',
  'axios-retry': '#d62728',
  'retry-axios': '#ff7f0e',
  'axios-backoff': '#1f77b4',
};

export type Charted = NetScenario & { readonly chart: ChartSpec };

export const isCharted = (scenario: NetScenario): scenario is Charted => scenario.chart !== undefined;

/** The scenario's chart, one line a client, from the client's run with the median key. */
export function scenarioChart(scenario: Charted, runs: Record<ClientName, SimRun[]>): string {
  const spec = scenario.chart;
  const times = (run: SimRun): readonly number[] => (spec.of === 'arrivals' ? run.arrivals : run.admitted);
  const charted = CLIENTS.map((client) => {
    const list = runs[client];
    return { client, times: times(list[medianIndex(list, scenario.key)]) };
  });
  const lastMs = Math.max(0, ...charted.flatMap((c) => c.times));
  const buckets = Math.floor(lastMs / spec.bucketMs) + 2;
  const what = spec.of === 'arrivals' ? 'requests reaching the server' : 'requests the server admitted';
  return lineChart({
    title: `${scenario.name}: ${what} (median run of each client)`,
    bucketMs: spec.bucketMs,
    markers: scenario.markers,
    levels: spec.level ? [spec.level] : undefined,
    unit: spec.of === 'arrivals' ? 'requests' : 'admitted requests',
    series: charted.map((c) => ({ name: c.client, colour: COLOURS[c.client], counts: perBucket(c.times, spec.bucketMs, buckets) })),
  });
}
