import type { AxiosAdapter, AxiosError, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { Clock } from '../clock';
import type { RequestCost } from '../quota/types';
import type { Lane, Ticket, Waiter } from './lane';
import type { AbortSignalLike } from '../wait';

type Config = InternalAxiosRequestConfig;

/** axios' CancelToken, as far as a held request listens to it (axios 0.22 and later). */
interface CancelTokenLike {
  readonly reason?: unknown;
  subscribe?(listener: (reason: unknown) => void): void;
  unsubscribe?(listener: (reason: unknown) => void): void;
}

/** What every held request of one gate shares, so that none carries it alone. */
export interface HoldContext {
  readonly clock: Clock;
  /** axios' cancel error for an aborted request. */
  readonly cancel: (config: Config) => AxiosError;
  /** Sends a request the lane let out, under its ticket: the transport's own path. */
  readonly send: (ticket: Ticket, adapter: AxiosAdapter, config: Config) => Promise<AxiosResponse>;
  /** The error for a request that may not wait out `cooling` ms more, or undefined when it may. */
  readonly refuse: (config: Config, cooling: number, now: number, key: string, what: string) => AxiosError | undefined;
}

/** When a held request gives up on its own: in `in` ms, with the error `error` makes of why it was held. */
export interface Deadline {
  readonly in: number;
  readonly error: (heldFor: string) => AxiosError;
}

/** What a held request with a signal, a cancel token or a deadline listens to; most have none. */
interface Watch {
  timer: unknown;
  onAbort: (() => void) | undefined;
  onCancel: ((reason: unknown) => void) | undefined;
}

/**
 * One request waiting at the gate, inside its transport. Ten thousand of them should cost
 * little more than axios' own pending promises, so each is one object of fixed shape (every
 * field set in the constructor) and keeps only its promise's resolve function: it resolves
 * with the send's promise when let out, and with a rejected one when it gives up.
 */
export class HeldRequest implements Waiter {
  gone = false;
  private watch: Watch | undefined = undefined;

  constructor(
    private readonly context: HoldContext,
    private readonly lane: Lane,
    private readonly config: Config,
    private readonly adapter: AxiosAdapter,
    private readonly resolve: (response: Promise<AxiosResponse>) => void,
    readonly cost: RequestCost | undefined,
    readonly route: string | undefined,
  ) {}

  /** Fails with axios' cancel error when the request's signal or token aborts, and after `deadline`. */
  watchFor(signal: AbortSignalLike | undefined, token: CancelTokenLike | undefined, deadline: Deadline | undefined): void {
    const watch: Watch = { timer: undefined, onAbort: undefined, onCancel: undefined };
    this.watch = watch;
    if (signal?.addEventListener) {
      // Signals that are not EventTargets take functions only, not listener objects.
      watch.onAbort = () => this.fail(this.context.cancel(this.config));
      signal.addEventListener('abort', watch.onAbort);
    }
    if (token?.subscribe) {
      watch.onCancel = (reason) => this.fail(reason as AxiosError);
      token.subscribe(watch.onCancel);
    }
    if (deadline) watch.timer = this.context.clock.setTimeout(() => this.expire(deadline), deadline.in);
  }

  release(ticket: Ticket): void {
    this.unwatch();
    this.resolve(this.context.send(ticket, this.adapter, this.config));
  }

  outwaited(cooling: number, now: number, what: string): void {
    const refused = this.context.refuse(this.config, cooling, now, this.lane.key, what);
    if (refused) this.fail(refused);
  }

  /**
   * The deadline passed. A request held only by a courtesy of ours (the first-contact ramp, or the
   * length of the backoff after a 429 that named none) goes rather than fail; any other hold is
   * the server's word.
   */
  private expire(deadline: Deadline): void {
    const now = this.context.clock.now();
    if (!this.lane.heldByCourtesy(now)) return this.fail(deadline.error(this.lane.holdReason(now)));
    this.unwatch();
    this.lane.abandon(this);
    this.resolve(this.context.send(this.lane.force(now, this), this.adapter, this.config));
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
    if (watch.timer !== undefined) this.context.clock.clearTimeout(watch.timer);
    if (watch.onAbort) (this.config.signal as AbortSignalLike).removeEventListener?.('abort', watch.onAbort);
    if (watch.onCancel) (this.config.cancelToken as CancelTokenLike).unsubscribe?.(watch.onCancel);
  }
}

/**
 * Holds `config` in `lane` until the lane lets it out (then sends it through `adapter`), its
 * signal or cancel token aborts, or its deadline passes.
 */
export function holdRequest(
  context: HoldContext,
  lane: Lane,
  config: Config,
  adapter: AxiosAdapter,
  deadline: Deadline | undefined,
  use: { readonly cost?: RequestCost; readonly route?: string } = {},
): Promise<AxiosResponse> {
  return new Promise<AxiosResponse>((resolve) => {
    const held = new HeldRequest(context, lane, config, adapter, resolve, use.cost, use.route);
    const signal = config.signal as AbortSignalLike | undefined;
    const token = config.cancelToken as CancelTokenLike | undefined;
    if (signal?.addEventListener || token?.subscribe || deadline) held.watchFor(signal, token, deadline);
    lane.hold(held);
  });
}
