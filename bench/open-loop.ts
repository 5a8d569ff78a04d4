import type { SimRun } from './harness';
import { percentile } from './stats';

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
export type Pause = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * An open-loop stream: call i starts at origin + i × 1000 / ratePerS, whatever the calls
 * before it are doing, as independent users or a timer-driven bot would send. A late timer
 * is caught up at once rather than shifting the rest. Resolves with every call's promise
 * once all have started (or `signal` aborted, leaving the rest unstarted).
 */
export async function arriveEvenly(
  count: number,
  ratePerS: number,
  start: (index: number) => Promise<void>,
  clock: { readonly now: () => number; readonly pause: Pause },
  signal: AbortSignal,
): Promise<Array<Promise<void>>> {
  const gapMs = 1000 / ratePerS;
  const origin = clock.now();
  const started: Array<Promise<void>> = [];
  for (let i = 0; i < count && !signal.aborted; i++) {
    const wait = origin + i * gapMs - clock.now();
    if (wait > 0) await clock.pause(wait, signal);
    if (!signal.aborted) started.push(start(i));
  }
  return started;
}

/**
 * Requests the server admitted per second, from the first arrival to the last admission,
 * over the limit per second. A fixed window admits its whole quota at its start, so a
 * client that keeps every window full scores a little above 1 over a short span.
 */
export function throughputPerLimit(run: SimRun, limitPerS: number): number {
  const admitted = run.admitted;
  if (admitted.length < 2) return NaN;
  const spanS = (admitted[admitted.length - 1] - (run.arrivals[0] ?? 0)) / 1000;
  return spanS > 0 ? admitted.length / spanS / limitPerS : NaN;
}

/** Latency percentile (ms, start to settle) of the calls that succeeded. */
export function okLatency(run: SimRun, p: number): number {
  const ok = run.calls.filter((c) => c?.ok === true);
  return percentile(ok.map((c) => c!.settledAt - c!.startedAt), p);
}
