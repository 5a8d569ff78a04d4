import type { BucketSpec } from '../coordination/bucket';
import type { BackoffStore, PaceHow, PaceState, TakeResult } from '../coordination/store';
import { keysOf } from './keys';
import type { Link } from './link';
import type { ResolvedRedisOptions } from './options';
import { MIN_SAMPLE } from '../coordination/pace';
import { PACE, STALE, TAKE_PACE, type Script } from './scripts';

/** A learned pace is forgotten ten minutes after it was last written or taken from. */
const PACE_TTL = 600_000;
/** A process counts as live this long after it last took from a pace or wrote one, ms. */
const LIVE_MS = 3000;
/** A pace's version more than this much older than the last one heard of (µs) means Redis' clock stepped back. */
const VERSION_STEP = 10_000_000;

/** What the pace's half of the store uses of the store. */
export interface PaceContext {
  /** This process, as Redis knows it. */
  readonly self: string;
  readonly channel: string;
  readonly options: ResolvedRedisOptions;
  /** The local copy every read answers from, and the whole store in fallback. */
  readonly mirror: BackoffStore;
  readonly link: Link;
  exec(script: Script, keys: string[], args: Array<string | number>): Promise<unknown[]>;
}

/**
 * The pace of each origin, one for every process, held in Redis with its window: the lessons
 * of the processes added up there, taken from by all, leased ahead for the requests a process
 * holds, and in fallback this process' share of the last one known.
 */
export class SharedPace {
  /** The processes live at each key as Redis last said: in fallback each takes its share of the pace. */
  private readonly live = new Map<string, number>();
  /** Tokens of the pace taken ahead for the requests this process holds, usable until their window ends (local ms). */
  private readonly leases = new Map<string, { tokens: number; until: number }>();
  /** The version of the pace last heard of, at each key. */
  private readonly versions = new Map<string, number>();

  constructor(private readonly ctx: PaceContext) {}

  /** A refusal: tokens taken ahead of it are no longer this window's to spend. */
  refused(key: string): void {
    this.leases.delete(key);
  }

  /**
   * Redis holds the origin's one pace: a share is added to the lesson's others there, and Redis
   * answers, and tells every process, the pace they add up to. Until it answers, the mirror holds
   * what this process learned.
   */
  set(key: string, pace: PaceState | undefined, how?: PaceHow): void {
    this.ctx.mirror.setPace(key, pace, how);
    if (!this.ctx.link.useRedis()) return;
    const k = keysOf(this.ctx.options.prefix, key);
    const now = this.ctx.options.now();
    const mode = pace === undefined ? 'forget' : how?.lessonAt !== undefined ? 'share' : 'whole';
    // Times go to Redis relative to now, so that no process' wall clock is trusted.
    const start = pace && how?.windowStart !== undefined ? Math.round(how.windowStart - now) : '';
    const lesson = how?.lessonAt !== undefined ? Math.round(how.lessonAt - now) : 0;
    const args = [this.ctx.self, mode, pace?.capacity ?? 0, pace?.periodMs ?? 0, start, PACE_TTL, this.ctx.channel, key, lesson, MIN_SAMPLE];
    this.ctx.link.run(() => this.ctx.exec(PACE, [k.rate, k.bucket('pace'), k.live], args)).then(
      (reply) => {
        if (reply[1] === 1) this.inForce(key, Number(reply[2]), Number(reply[3]), Number(reply[4]));
      },
      () => undefined,
    );
  }

  /**
   * The pace Redis says is in force (capacity 0: none), into the mirror when it differs and is no
   * older than the last one heard of: a reply and a message may arrive in either order. A version
   * far older is taken all the same (Redis' clock stepped back).
   */
  inForce(key: string, capacity: number, periodMs: number, version: number): void {
    const last = this.versions.get(key) ?? 0;
    if (version < last && version > last - VERSION_STEP) return;
    this.versions.set(key, version);
    const mirrored = this.ctx.mirror.pace(key);
    const pace = capacity > 0 && periodMs > 0 ? { capacity, periodMs } : undefined;
    if (pace?.capacity === mirrored?.capacity && pace?.periodMs === mirrored?.periodMs) return;
    // Tokens leased of the pace that was: the window they belong to is not this pace's.
    this.leases.delete(key);
    this.ctx.mirror.setPace(key, pace);
  }

  /**
   * A token of the pace Redis holds, whatever size the caller thinks it is; in fallback, of this
   * process' share of the last pace known (the pace / the processes live), never the whole of it.
   */
  take(key: string, n: number, spec: BucketSpec, now: number, wanted: number): TakeResult | Promise<TakeResult> {
    const lease = this.leases.get(key);
    if (lease && lease.tokens >= n && now < lease.until) {
      lease.tokens -= n;
      return { ok: true };
    }
    const local = (): TakeResult => {
      const share = Math.max(1, Math.floor(spec.capacity / (this.live.get(key) ?? 1)));
      return this.ctx.mirror.take(key, 'pace', n, { ...spec, capacity: share }, now) as TakeResult;
    };
    if (!this.ctx.link.useRedis()) return local();
    const k = keysOf(this.ctx.options.prefix, key);
    // The requests held ask for their tokens at once, up to this process' share of a window: one
    // round trip for them all, not one each (at 50 ms to Redis that bounded a process to 20 a second).
    const share = Math.max(n, Math.floor(spec.capacity / (this.live.get(key) ?? 1)));
    const ask = Math.max(n, Math.min(share, n + Math.max(0, Math.floor(wanted) - 1)));
    const args = [this.ctx.self, n, LIVE_MS, PACE_TTL, ask];
    return this.ctx.link.run(() => this.ctx.exec(TAKE_PACE, [k.rate, k.bucket('pace'), k.live], args)).then((reply): TakeResult => {
      const status = reply[1];
      if (status === STALE) return local();
      this.live.set(key, Math.max(1, Number(reply[3]) || 1));
      if (status === 2 || status === 4) {
        // No live process vouches for it any more, or the lesson under way is no measure yet: the lanes ramp.
        this.inForce(key, 0, 0, Number(reply[6]));
        return { ok: true };
      }
      if (status === 3) {
        // Redis lost it (a restart, a flush): the last pace known goes back, as the origin's whole pace.
        this.rejoin(key);
        return local();
      }
      this.inForce(key, Number(reply[4]), Number(reply[5]), Number(reply[6]));
      if (status === 1) {
        const ahead = Number(reply[7]) - n;
        if (ahead > 0) this.leases.set(key, { tokens: ahead, until: this.ctx.options.now() + Number(reply[8]) });
        return { ok: true };
      }
      return { ok: false, waitMs: Math.max(1, Number(reply[2])) };
    }, local);
  }

  /** Puts the pace this process holds back into Redis, which lost it. */
  private rejoin(key: string): void {
    const pace = this.ctx.mirror.pace(key);
    if (pace) this.set(key, pace);
  }
}
