import { AxiosError, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import type { Clock } from '../clock';
import type { BackoffErrorInfo, BackoffState, Outcome, ResolvedOptions, StopReason } from '../types';
import { holdRequest, type Deadline, type HoldContext } from './held';
import { Lane, type LaneResult, type Lease } from './lane';
import type { ResolvedCoordination } from './settings';
import type { AbortSignalLike } from '../wait';

/** Errors the gate raised for requests it never let out: not retried, only reported. */
const heldErrors = new WeakSet<object>();

export function isHeldError(error: unknown): error is AxiosError {
  return typeof error === 'object' && error !== null && heldErrors.has(error);
}

function heldError(config: AxiosRequestConfig, code: string, message: string, reason: StopReason, outcome: Outcome): AxiosError {
  const error = new AxiosError(message, code, config as InternalAxiosRequestConfig);
  const info: BackoffErrorInfo = { outcome, reason, attempts: (config.backoffState?.attempt ?? 0), message };
  error.backoff = info;
  heldErrors.add(error);
  return error;
}

/** The request-side gate of `attach`: one lane an origin (or `key`). */
export class Gate {
  private readonly lanes = new Map<string, Lane>();
  /** Keys this process spent retry tokens on: only their successes need to refill. */
  private readonly spent = new Set<string>();
  private readonly context: HoldContext;

  constructor(
    private readonly settings: ResolvedCoordination,
    private readonly clock: Clock,
    private readonly cancel: (config: AxiosRequestConfig) => AxiosError,
  ) {
    this.context = { clock, cancel };
  }

  laneFor(config: AxiosRequestConfig): Lane {
    const key = this.settings.key(config);
    if (typeof key !== 'string') throw new TypeError(`key(config) must return a string, got ${String(key)}`);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = new Lane(key, this.settings.lane, this.settings.store, this.clock);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** A lease at once when nothing holds the origin back; no promise, no await. */
  tryEnter(config: AxiosRequestConfig, now: number): Lease | undefined {
    return this.laneFor(config).tryEnter(now);
  }

  /**
   * Waits for the origin to take the request, within the request's own signal, timeout
   * and budget; settles with the config, its `backoffState` now carrying the lease.
   */
  hold(config: InternalAxiosRequestConfig, options: ResolvedOptions, state: BackoffState): Promise<InternalAxiosRequestConfig> {
    const lane = this.laneFor(config);
    // A shared store may still be loading a ban: judge the wait on what it loads.
    const ready = lane.ready;
    if (ready) return ready.then(() => this.hold(config, options, state));
    const now = this.clock.now();
    const cooling = lane.coolingFor(now);
    if (cooling > options.maxRetryAfter) {
      const message = `${lane.key} is cooling down for ${cooling} ms, longer than maxRetryAfter (${options.maxRetryAfter} ms)`;
      return Promise.reject(heldError(config, 'ERR_BACKOFF_HELD', message, 'retry-after-too-long', 'rate-limited'));
    }
    if (now + cooling - state.startedAt > options.maxElapsed) {
      const message = `${lane.key} is cooling down for ${cooling} ms, past maxElapsed (${options.maxElapsed} ms)`;
      return Promise.reject(heldError(config, 'ERR_BACKOFF_HELD', message, 'max-elapsed', 'rate-limited'));
    }
    const signal = config.signal as AbortSignalLike | undefined;
    if (signal?.aborted) return Promise.reject(this.cancel(config));
    return holdRequest(this.context, lane, config, this.deadline(config, options, state, now));
  }

  /** The nearer of the request's timeout and its maxElapsed budget, as a timer and the error it raises. */
  private deadline(config: AxiosRequestConfig, options: ResolvedOptions, state: BackoffState, now: number): Deadline | undefined {
    const timeout = config.timeout && config.timeout > 0 ? config.timeout : Infinity;
    const budget = state.startedAt + options.maxElapsed - now;
    if (!Number.isFinite(Math.min(timeout, budget))) return undefined;
    if (timeout <= budget) {
      const code = config.transitional?.clarifyTimeoutError ? 'ETIMEDOUT' : 'ECONNABORTED';
      const message = `timeout of ${timeout}ms exceeded while held back from a rate-limited or failing server`;
      return { in: timeout, error: () => heldError(config, code, message, 'held-too-long', 'not-processed') };
    }
    const message = `maxElapsed (${options.maxElapsed} ms) ran out while held back from a rate-limited or failing server`;
    return { in: Math.max(0, budget), error: () => heldError(config, 'ERR_BACKOFF_HELD', message, 'max-elapsed', 'not-processed') };
  }

  settle(lease: Lease | undefined, result: LaneResult): void {
    if (lease) this.lanes.get(lease.key)?.settle(lease, result);
  }

  /** During an outage the gate spaces the probes: a retry need not also sleep its own backoff. */
  probing(config: AxiosRequestConfig): boolean {
    return this.laneFor(config).probing;
  }

  /** Takes a retry's cost from the origin's budget; false when it is spent. */
  async spendRetry(config: AxiosRequestConfig, timedOut: boolean): Promise<boolean> {
    const budget = this.settings.budget;
    if (!budget) return true;
    const cost = timedOut ? budget.timeoutCost : budget.retryCost;
    const spec = { capacity: budget.capacity, refillPerMs: 0 };
    const key = this.laneFor(config).key;
    this.spent.add(key);
    const taken = await this.settings.store.take(key, 'budget', cost, spec, this.clock.now());
    return taken.ok;
  }

  /** AWS standard mode: a first-attempt success earns 1 token, a successful retry returns its cost. */
  refund(lease: Lease, attempt: number): void {
    const budget = this.settings.budget;
    if (!budget || this.spent.size === 0 || !this.spent.has(lease.key)) return;
    const spec = { capacity: budget.capacity, refillPerMs: 0 };
    const amount = attempt > 0 ? budget.retryCost : 1;
    this.settings.store.give(lease.key, 'budget', amount, spec, this.clock.now());
  }
}
