import type { AxiosError, InternalAxiosRequestConfig } from 'axios';
import type { Clock } from '../clock';
import type { Lane, Ticket, Waiter } from './lane';
import type { AbortSignalLike } from '../wait';

type Config = InternalAxiosRequestConfig;

/** What every held request of one gate shares, so that none carries it alone. */
export interface HoldContext {
  readonly clock: Clock;
  /** axios' cancel error for an aborted request. */
  readonly cancel: (config: Config) => AxiosError;
}

/** When a held request gives up on its own: in `in` ms, with the error `error` makes. */
export interface Deadline {
  readonly in: number;
  readonly error: () => AxiosError;
}

/** What a held request with a signal or a deadline listens to; most have neither. */
interface Watch {
  readonly context: HoldContext;
  timer: unknown;
  onAbort: (() => void) | undefined;
}

/**
 * One request waiting at the gate. Ten thousand of them should cost little more
 * than axios' own pending promises, so each is one object of fixed shape (every
 * field set in the constructor) and keeps only its promise's resolve function:
 * failing resolves it with a rejected promise, so the reject function is dropped.
 */
export class HeldRequest implements Waiter {
  gone = false;
  private watch: Watch | undefined = undefined;

  constructor(
    private readonly lane: Lane,
    private readonly config: Config,
    private readonly resolve: (ticket: Ticket | Promise<never>) => void,
  ) {}

  /** Fails with axios' cancel error when the request's signal aborts, and after `deadline`. */
  watchFor(context: HoldContext, signal: AbortSignalLike | undefined, deadline: Deadline | undefined): void {
    const watch: Watch = { context, timer: undefined, onAbort: undefined };
    this.watch = watch;
    if (signal?.addEventListener) {
      // Signals that are not EventTargets take functions only, not listener objects.
      watch.onAbort = () => this.fail(context.cancel(this.config));
      signal.addEventListener('abort', watch.onAbort);
    }
    if (deadline) watch.timer = context.clock.setTimeout(() => this.fail(deadline.error()), deadline.in);
  }

  release(ticket: Ticket): void {
    this.unwatch();
    this.resolve(ticket);
  }

  private fail(error: AxiosError): void {
    this.unwatch();
    this.lane.abandon(this);
    this.resolve(Promise.reject(error));
  }

  private unwatch(): void {
    const watch = this.watch;
    if (!watch) return;
    this.watch = undefined;
    if (watch.timer !== undefined) watch.context.clock.clearTimeout(watch.timer);
    if (watch.onAbort) (this.config.signal as AbortSignalLike).removeEventListener?.('abort', watch.onAbort);
  }
}

/** Holds `config` in `lane` until the lane lets it out with a ticket, its signal aborts or its deadline passes. */
export function holdRequest(context: HoldContext, lane: Lane, config: Config, deadline: Deadline | undefined): Promise<Ticket> {
  return new Promise<Ticket>((resolve) => {
    const held = new HeldRequest(lane, config, resolve);
    const signal = config.signal as AbortSignalLike | undefined;
    if (signal?.addEventListener || deadline) held.watchFor(context, signal, deadline);
    lane.hold(held);
  });
}
