import type { AxiosRequestConfig } from 'axios';
import { RequestSnapshot } from './replay';
import type { BackoffState } from './types';

const NO_DELAYS: readonly number[] = Object.freeze([]);

/** A state is ours to continue only while its logical request is in flight. */
export function liveState(config: AxiosRequestConfig): BackoffState | undefined {
  const state = config.backoffState;
  return state?.snapshot?.live ? state : undefined;
}

export function freshState(now: number, snapshot: RequestSnapshot = new RequestSnapshot()): BackoffState {
  return { attempt: 0, delays: NO_DELAYS, startedAt: now, snapshot };
}

/** The logical request is over: a config sent again later starts afresh. */
export function endState(state: BackoffState | undefined): void {
  if (state?.snapshot) state.snapshot.live = false;
}
