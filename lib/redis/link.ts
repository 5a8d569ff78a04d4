import type { Clock } from '../clock';
import type { RedisStatusEvent, ResolvedRedisOptions } from './options';

type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

/**
 * Whether Redis is in use or the store has fallen back to its memory: any failed or
 * late call falls back and says so once; in fallback, the first operation after
 * `retryEveryMs` sends a PING, and its answer brings Redis back, said once too.
 * Nothing runs between operations: no interval, every timeout cleared.
 */
export class Link {
  private down = false;
  private retryAt = 0;
  private pinging = false;

  constructor(
    private readonly options: ResolvedRedisOptions,
    private readonly timers: Timers,
    private readonly ping: () => Promise<unknown>,
    private readonly recovered: () => void,
  ) {}

  /** True when this operation is to use Redis; in fallback, may start a PING for the next ones. */
  useRedis(): boolean {
    if (!this.down) return true;
    if (!this.pinging && this.options.now() >= this.retryAt) this.probe();
    return false;
  }

  /** Runs `call` within the timeout; a failure switches to fallback, and rejects for the caller to use memory. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.timed(call());
    } catch (error) {
      this.fail(error);
      throw error;
    }
  }

  /** `promise`, or a rejection once `timeoutMs` has passed; its own late failure is absorbed. */
  timed<T>(promise: Promise<T>): Promise<T> {
    const { timeoutMs } = this.options;
    return new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        reject(new Error(`Redis did not answer within timeoutMs (${timeoutMs} ms)`));
      }, timeoutMs);
      promise.then(
        (value) => (this.timers.clearTimeout(timer), resolve(value)),
        (error: unknown) => (this.timers.clearTimeout(timer), reject(error)),
      );
    });
  }

  private fail(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.retryAt = this.options.now() + this.options.retryEveryMs;
    this.tell({ status: 'fallback', error });
  }

  private probe(): void {
    this.pinging = true;
    this.timed(this.ping()).then(
      () => {
        this.pinging = false;
        this.down = false;
        this.tell({ status: 'recovered' });
        this.recovered();
      },
      () => {
        this.pinging = false;
        this.retryAt = this.options.now() + this.options.retryEveryMs;
      },
    );
  }

  private tell(event: RedisStatusEvent): void {
    try {
      this.options.onStatus(event);
    } catch {
      // A hook that throws must not fail the request that happened to notice.
    }
  }
}
