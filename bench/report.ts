import { CLIENTS, type ClientName } from './clients';
import type { Row } from './rows';
import { median } from './stats';

export interface TableLine {
  readonly scenario: string;
  readonly measure: string;
  readonly cells: readonly string[];
  readonly target: string;
}

const OURS: ClientName = 'axios-backoff';
export const TIMED_OUT_MARK = '†';

/** Per-component medians of a row's values over runs. */
export function medians<R>(row: Row<R>, runs: readonly R[]): number[] {
  const perRun = runs.map(row.values);
  const width = perRun[0]?.length ?? 0;
  return Array.from({ length: width }, (_, i) => median(perRun.map((v) => v[i])));
}

/** The table lines of one scenario; `timedOut` names the clients with a run cut at the time limit. */
export function linesFor<R>(
  scenario: string,
  rows: ReadonlyArray<Row<R>>,
  runs: Record<ClientName, R[]>,
  timedOut: ReadonlySet<ClientName> = new Set(),
): TableLine[] {
  return rows.map((row) => {
    const values = new Map(CLIENTS.map((client) => [client, medians(row, runs[client])]));
    const others = CLIENTS.filter((c) => c !== OURS).map((c) => values.get(c)!);
    const cells = CLIENTS.map((client) => {
      let cell = row.format(values.get(client)!);
      if (timedOut.has(client)) cell += ` ${TIMED_OUT_MARK}`;
      if (client === OURS && row.meets) cell += row.meets(values.get(client)!, others) ? ' ✓' : ' ✗';
      return cell;
    });
    return { scenario, measure: row.measure, target: row.target, cells };
  });
}

export function markdownTable(lines: readonly TableLine[], columns: readonly string[] = CLIENTS): string {
  const head = ['scenario', 'measure', ...columns, 'target'];
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const l of lines) out.push(`| ${[l.scenario, l.measure, ...l.cells, l.target].join(' | ')} |`);
  return out.join('\n');
}
