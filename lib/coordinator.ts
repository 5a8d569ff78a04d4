import type { AxiosError, AxiosRequestConfig } from 'axios';
import type { Outcome, StopReason } from './types';

/** A retry about to wait and go. */
export interface RetryEvent {
  /** The event's kind. */
  readonly type: 'retry';
  /** The retry about to be made: 1 for the first. */
  readonly attempt: number;
  /** The wait before it, ms. */
  readonly delay: number;
  /** What the server can have done with the failed attempt. */
  readonly outcome: Outcome;
  /** The failed attempt's status, if it was answered. */
  readonly status: number | undefined;
}

/** A request given up: its error (or response) goes to the caller. */
export interface GiveUpEvent {
  /** The event's kind. */
  readonly type: 'give-up';
  /** Why it stopped. */
  readonly reason: StopReason;
  /** What the server can have done with the request, over all its attempts. */
  readonly outcome: Outcome;
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** The last attempt's status, if it was answered. */
  readonly status: number | undefined;
}

/** What the retry core tells the coordination it decided, for `onEvent` (which adds the server's key). */
export type CoreEvent = RetryEvent | GiveUpEvent;

/**
 * What the retry core asks of per-origin coordination, in the spirit of the AWS SDK's
 * retry token protocol. Slots are taken and given back at the transport, never here:
 * the core only draws a retry's cost, gives it back on success, and asks whether the
 * origin spaces its sends itself. `backoff` passes `NO_COORDINATION`.
 */
export interface Coordinator {
  /** A retry's cost from the origin's budget (AWS: refresh the token for a retry); false when spent. */
  acquire(config: AxiosRequestConfig, timedOut: boolean): boolean | Promise<boolean>;
  /** A success: gives back to the budget a retry's cost when one was drawn for it, else 1 (AWS: record success). */
  refund(config: AxiosRequestConfig, drew: boolean): void;
  /** The origin lets out one probe at a time (an outage): a retry need not also sleep its own backoff. */
  spaces(config: AxiosRequestConfig): boolean;
  /** A retry or a give-up, for whoever observes the coordination. */
  observe(config: AxiosRequestConfig, event: CoreEvent): void;
}

export const NO_COORDINATION: Coordinator = Object.freeze({
  acquire: () => true,
  refund: () => undefined,
  spaces: () => false,
  observe: () => undefined,
});

/**
 * Marks an error raised for a request that was never sent (held past its timeout, or
 * refused a cooldown longer than it may wait): reported, never retried. A registered
 * symbol, so that two copies of the package (CommonJS and ES modules) both know it.
 */
export const HELD = Symbol.for('axios-backoff.held');

export function isHeldError(error: unknown): error is AxiosError {
  return typeof error === 'object' && error !== null && (error as { [HELD]?: unknown })[HELD] === true;
}
