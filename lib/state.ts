import type { AxiosRequestConfig } from 'axios';
import { RequestSnapshot } from './replay';
import type { Lease } from './coordination/lane';
import type { BackoffState } from './types';

const NO_DELAYS: readonly number[] = Object.freeze([]);

/** A state is ours to continue only while its logical request is in flight. */
export function liveState(config: AxiosRequestConfig): BackoffState | undefined {
  const state = config.backoffState;
  return state?.snapshot?.live ? state : undefined;
}

export function freshState(
  now: number,
  snapshot: RequestSnapshot = new RequestSnapshot(),
  lease: Lease | undefined = undefined,
): BackoffState {
  return { attempt: 0, delays: NO_DELAYS, startedAt: now, snapshot, lease };
}

/** The same state with this attempt's lease; built whole, one shape for every state (a hot path). */
export function withLease(state: BackoffState, lease: Lease | undefined): BackoffState {
  return { attempt: state.attempt, delays: state.delays, startedAt: state.startedAt, snapshot: state.snapshot, lease };
}

/** The logical request is over: a config sent again later starts afresh. */
export function endState(state: BackoffState | undefined): void {
  if (state?.snapshot) state.snapshot.live = false;
}
