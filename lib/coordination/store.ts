import { give, refill, take, type BucketLevel, type BucketSpec } from './bucket';

/** The rate an origin has been admitting, learned from its successes and 429s. */
export interface PaceState {
  /** Requests released per window: what one window of the server admitted. */
  readonly capacity: number;
  /** The window's length, ms. */
  readonly periodMs: number;
}

/** How a pace was learned: where its windows start, and whether it is one process' share of a lesson. */
export interface PaceHow {
  /** Where a window of the pace starts, epoch ms. */
  readonly windowStart?: number;
  /**
   * When the refusal came whose lesson this is, epoch ms: the pace is what this process saw that
   * window admit, its share of the lesson, which processes sharing a store add up. Absent: the
   * origin's whole pace (grown, or cut, from the one in force).
   */
  readonly lessonAt?: number;
}

/** How a cooldown came about. */
export interface CooldownHow {
  /**
   * The server named the wait (a 429 with Retry-After or a reset): the refusal closed a window,
   * and what each process saw that window admit is its share of the lesson.
   */
  readonly serverWait?: boolean;
  /**
   * When the refusal came, epoch ms: a shared store tells the others the wait from then, as the
   * server named it. Counted from a later reading of the clock, a wait of whole seconds arrives a
   * millisecond short, and the others read it as a window of the wrong length. By the clock of
   * `until`; the Redis store counts from its own clock instead when `at` is more than a second from it.
   */
  readonly at?: number;
}

/** A refusal with the server's wait that another user of a shared store was given. */
export interface HeardRefusal {
  /** When it was heard of, epoch ms by this process' clock: about when it came. */
  readonly at: number;
  /** Until when the server holds requests, epoch ms by this process' clock. */
  readonly until: number;
}

/** Outage detection: consecutive unknown-outcome failures, and whether only probes go out. */
export interface BreakerState {
  /** Unknown-outcome failures in a row. */
  readonly failures: number;
  /** True while only probes go out. */
  readonly probing: boolean;
}

/** The token buckets a store keeps per key: the learned pace, and the retry budget. */
export type BucketName = 'pace' | 'budget';

/** What taking tokens from a bucket gave: taken, or the wait until they could be. */
export type TakeResult =
  | { ok: true }
  | {
      ok: false;
      /** How long until the bucket holds enough, ms. */
      waitMs: number;
    };

/**
 * What the requests to one origin share. Reads answer synchronously, since they
 * sit on every request's path: a store shared between processes answers them
 * from a local mirror it keeps current. Writes take effect locally at once.
 */
export interface BackoffStore {
  /** Until when requests to `key` are held (epoch ms); 0 or a past time when they are not. */
  cooldownUntil(key: string): number;
  /**
   * Holds requests to `key` until `until` (epoch ms); a later cooldown already set stands.
   * `how.serverWait`: the server named the wait, which a shared store tells the others of.
   */
  setCooldown(key: string, until: number, how?: CooldownHow): void;
  /** The outage state of `key`; closed (no failures, not probing) when none is known. */
  breaker(key: string): BreakerState;
  /** Records the outage state of `key`. */
  setBreaker(key: string, state: BreakerState): void;
  /** The pace learned for `key`, or undefined while none is. */
  pace(key: string): PaceState | undefined;
  /**
   * Records the pace learned for `key`, or forgets it (undefined). `how.windowStart` (epoch ms),
   * when given, is where a window of the pace starts, so that its windows fall where the server's
   * do; without it a new window length, or a lesson, starts its windows at the first release. `how.lessonAt`: the
   * pace is what this process saw one window admit, its share of a lesson that processes sharing
   * the store add up; otherwise it is the origin's whole pace.
   */
  setPace(key: string, pace: PaceState | undefined, how?: PaceHow): void;
  /**
   * Atomically takes `n` tokens from a bucket, or says how long until it could. `wanted`: how many
   * more the caller is holding requests for, which a shared store may lease at once, so that they
   * do not each wait a round trip.
   */
  take(key: string, bucket: BucketName, n: number, spec: BucketSpec, now: number, wanted?: number): TakeResult | Promise<TakeResult>;
  /**
   * Optional: leases the one outage probe of `key` for `ms` among every user of the store; true
   * when this one has it. A store of one process needs none: its lane sends one probe at a time.
   */
  probeLease?(key: string, ms: number): boolean | Promise<boolean>;
  /**
   * Optional (a store shared between processes): calls `listener` each time another process is
   * refused at `key` with the server's wait, so that this one teaches its share of the window that
   * refusal closed, as though refused itself. Returns what stops the calls.
   */
  onRefusal?(key: string, listener: (refusal: HeardRefusal) => void): () => void;
  /** Returns tokens to a bucket, up to its capacity. */
  give(key: string, bucket: BucketName, n: number, spec: BucketSpec, now: number): void;
  /** Optional: the tokens a bucket holds now, as this process knows them, for a snapshot; taking none. */
  tokens?(key: string, bucket: BucketName, spec: BucketSpec, now: number): number;
  /**
   * Optional: called once when a key is first used. While the promise is pending,
   * requests to that key are held (a shared store loads the key's state, so that a
   * process starting during a ban does not send into it).
   */
  prepare?(key: string): Promise<void> | void;
  /**
   * Optional: the key has been idle a while where it was asked (epoch ms `now`): drop its state,
   * unless something in it is still in force (a cooldown, an open breaker, a learned pace), which
   * another user of a shared store may be relying on.
   */
  forget?(key: string, now: number): void;
}

const CLOSED: BreakerState = Object.freeze({ failures: 0, probing: false });

/** The store of one process: plain maps. */
interface KeyState {
  cooldownUntil: number;
  breaker: BreakerState;
  pace: PaceState | undefined;
  readonly buckets: Map<BucketName, BucketLevel>;
}

/** The store of one process: a record a key, the last one used kept at hand (reads run per request). */
export function memoryStore(): BackoffStore {
  const keys = new Map<string, KeyState>();
  let lastKey: string | undefined;
  let last: KeyState | undefined;
  const of = (key: string): KeyState => {
    if (key === lastKey && last) return last;
    let state = keys.get(key);
    if (!state) keys.set(key, (state = { cooldownUntil: 0, breaker: CLOSED, pace: undefined, buckets: new Map() }));
    lastKey = key;
    last = state;
    return state;
  };
  return {
    cooldownUntil: (key) => of(key).cooldownUntil,
    setCooldown: (key, until) => {
      const state = of(key);
      if (until > state.cooldownUntil) state.cooldownUntil = until;
    },
    breaker: (key) => of(key).breaker,
    setBreaker: (key, breaker) => {
      of(key).breaker = breaker.failures === 0 && !breaker.probing ? CLOSED : breaker;
    },
    pace: (key) => of(key).pace,
    setPace: (key, pace, how) => {
      const windowStart = how?.windowStart;
      const state = of(key);
      // A new window length, or a lesson, starts the windows afresh: where the lesson puts them, or
      // at the first release after its cooldown (the grid of the pace before may have drifted from
      // the server's). A pace that only grows or shrinks keeps the window under way, so that it never
      // releases one twice.
      if (pace && windowStart !== undefined) state.buckets.set('pace', { tokens: pace.capacity, at: windowStart });
      else if (pace?.periodMs !== state.pace?.periodMs || how?.lessonAt !== undefined) state.buckets.delete('pace');
      state.pace = pace;
    },
    take: (key, bucket, n, spec, now) => {
      const levels = of(key).buckets;
      const result = take(levels.get(bucket), spec, n, now);
      levels.set(bucket, result.level);
      return result.ok ? { ok: true } : { ok: false, waitMs: result.waitMs };
    },
    give: (key, bucket, n, spec, now) => {
      const levels = of(key).buckets;
      levels.set(bucket, give(levels.get(bucket), spec, n, now));
    },
    tokens: (key, bucket, spec, now) => refill(keys.get(key)?.buckets.get(bucket), spec, now).tokens,
    forget: (key, now) => {
      const state = keys.get(key);
      if (!state || state.cooldownUntil > now || state.pace || state.breaker !== CLOSED) return;
      keys.delete(key);
      if (key === lastKey) last = lastKey = undefined;
    },
  };
}
