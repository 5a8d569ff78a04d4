import type { AxiosError } from 'axios';
import type { Clock } from '../clock';
import type { Lane, Lease, Waiter } from './lane';
import type { AbortSignalLike } from '../wait';

/**
 * One request waiting at the gate, as one object with one listener, so that ten
 * thousand held requests cost little more than their promises.
 */
export class HeldRequest implements Waiter {
  gone?: boolean;
  readonly promise: Promise<Lease>;
  private resolve!: (lease: Lease) => void;
  private reject!: (error: unknown) => void;
  private timer: unknown;
  // Signals that are not EventTargets take functions only, not listener objects.
  private readonly onAbort = (): void => this.fail(this.aborted());

  constructor(
    private readonly lane: Lane,
    private readonly clock: Clock,
    private readonly signal: AbortSignalLike | undefined,
    private readonly aborted: () => AxiosError,
  ) {
    this.promise = new Promise<Lease>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    signal?.addEventListener?.('abort', this.onAbort);
  }

  /** Gives up after `ms` with the error `raise` makes. */
  deadline(ms: number, raise: () => AxiosError): void {
    this.timer = this.clock.setTimeout(() => this.fail(raise()), ms);
  }

  release(lease: Lease): void {
    this.done();
    this.resolve(lease);
  }

  private fail(error: AxiosError): void {
    this.done();
    this.lane.abandon(this);
    this.reject(error);
  }

  private done(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.signal?.removeEventListener?.('abort', this.onAbort);
  }
}
