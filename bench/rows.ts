/**
 * One line of the results table. A cell shows the per-component medians of
 * `values` over the runs of one client; `meets` judges axios-backoff's cell,
 * beside the other clients' cells (`others`) for a target relative to them.
 */
export interface Row<R> {
  readonly measure: string;
  readonly target: string;
  readonly values: (run: R) => number[];
  readonly format: (values: readonly number[]) => string;
  readonly meets?: (values: readonly number[], others: ReadonlyArray<readonly number[]>) => boolean;
}

export const NO_TARGET = '—';

function show(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '—';
  // A median of an even number of runs may fall between two counts.
  return digits === 0 && !Number.isInteger(value) ? value.toFixed(1) : value.toFixed(digits);
}

export const ratio = (values: readonly number[]): string => show(values[0], 2);
export const count = (values: readonly number[]): string => show(values[0], 0);
export const ms = (values: readonly number[]): string => show(Math.round(values[0]), 0);
export const counts = (values: readonly number[]): string => values.map((v) => show(v, 0)).join(' / ');
export const atMost = (limit: number) => (values: readonly number[]): boolean => values[0] <= limit;
export const atLeast = (limit: number) => (values: readonly number[]): boolean => values[0] >= limit;
/** Every component in whole ms. */
export const msEach = (values: readonly number[]): string => values.map((v) => show(Math.round(v), 0)).join(' / ');
