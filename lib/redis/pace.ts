import type { BucketSpec } from '../coordination/bucket';
import type { BackoffStore, PaceHow, PaceState, TakeResult } from '../coordination/store';
import { keysOf } from './keys';
import type { Link } from './link';
import type { ResolvedRedisOptions } from './options';
import { SANE_WAIT } from '../coordination/lane-types';
import { MIN_SAMPLE } from '../coordination/pace';
import { PACE, STALE, TAKE_PACE, type Script } from './scripts';

/** A learned pace is forgotten ten minutes after it was last written or taken from. */
export const PACE_TTL = 600_000;
/** A process counts as live this long after its last heartbeat, take or write: four heartbeats missed, ms. */
export const LIVE_MS = 2000;
/** How long a take waits for a pace Redis lost to be put back, when this process knows nothing of its window, ms. */
const REJOIN_WAIT = 50;
/** A pace's version more than this much older than the last one heard of (µs) means Redis' clock stepped back. */
const VERSION_STEP = 10_000_000;

/** A pace Redis can hold: whole requests, a window of 1 ms to a week, times that are times. */
function checkPace(pace: PaceState, how: PaceHow | undefined): void {
  const { capacity, periodMs } = pace;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`pace.capacity must be a whole number >= 1, got ${capacity}`);
  if (!Number.isInteger(periodMs) || periodMs < 1 || periodMs > SANE_WAIT) {
    throw new RangeError(`pace.periodMs must be a whole number of ms from 1 to ${SANE_WAIT}, got ${periodMs}`);
  }
  for (const [name, at] of [['windowStart', how?.windowStart], ['lessonAt', how?.lessonAt]] as const) {
    if (at !== undefined && !Number.isFinite(at)) throw new RangeError(`${name} must be a finite time in ms, got ${at}`);
  }
}

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
  /** The window Redis last said a take fell in: when it ends (local ms), and the tokens left in it. */
  private readonly windows = new Map<string, { ends: number; left: number }>();
  /** In fallback: this process' tokens of the window under way, and when it ends (local ms). */
  private readonly alone = new Map<string, { tokens: number; until: number }>();
  /** Keys whose lost pace this process is putting back. */
  private readonly rejoining = new Set<string>();

  constructor(private readonly ctx: PaceContext) {}

  /** A refusal: tokens taken ahead of it are no longer this window's to spend. */
  refused(key: string): void {
    this.leases.delete(key);
  }

  /** The key is no longer used here. */
  forget(key: string): void {
    for (const map of [this.live, this.leases, this.versions, this.windows, this.alone]) map.delete(key);
  }

  /**
   * Redis holds the origin's one pace: a share is added to the lesson's others there, and Redis
   * answers, and tells every process, the pace they add up to. Until it answers, the mirror holds
   * what this process learned.
   */
  set(key: string, pace: PaceState | undefined, how?: PaceHow, done?: () => void, putBack = false): void {
    if (pace !== undefined) checkPace(pace, how);
    this.ctx.mirror.setPace(key, pace, how);
    if (!this.ctx.link.useRedis()) return done?.();
    const k = keysOf(this.ctx.options.prefix, key);
    const now = this.ctx.options.now();
    const mode = pace === undefined ? 'forget' : how?.lessonAt !== undefined ? 'share' : 'whole';
    // Times go to Redis relative to now, so that no process' wall clock is trusted.
    const start = pace && how?.windowStart !== undefined ? Math.round(how.windowStart - now) : '';
    const lesson = how?.lessonAt !== undefined ? Math.round(how.lessonAt - now) : 0;
    // A whole pace is worked out from the one this process holds: from that version of it. A pace
    // put back after Redis lost it is not: another process' put-back must not make it stale.
    const base = mode === 'whole' && !putBack ? String(this.versions.get(key) ?? '') : '';
    const args = [this.ctx.self, mode, pace?.capacity ?? 0, pace?.periodMs ?? 0, start, PACE_TTL, this.ctx.channel, key, lesson, MIN_SAMPLE, base];
    this.ctx.link
      .run(() => this.ctx.exec(PACE, [k.rate, k.bucket('pace'), k.live], args))
      .then(
        (reply) => {
          if (reply[1] === 1) this.inForce(key, Number(reply[2]), Number(reply[3]), Number(reply[4]));
        },
        () => undefined,
      )
      .finally(done);
  }

  /**
   * The pace Redis says is in force (capacity 0: none), into the mirror when it differs and is no
   * older than the last one heard of: a reply and a message may arrive in either order. A version
   * far older is taken all the same (Redis' clock stepped back).
   */
  inForce(key: string, capacity: number, periodMs: number, version: number): void {
    const last = this.versions.get(key) ?? 0;
    if (version < last && version > last - VERSION_STEP) return;
    // Written since: a lesson may have put its windows elsewhere, though it taught the same pace.
    // Tokens leased of the pace that was belong to a window that is not this pace's.
    if (version !== last) this.leases.delete(key);
    this.versions.set(key, version);
    const mirrored = this.ctx.mirror.pace(key);
    const pace = capacity > 0 && periodMs > 0 ? { capacity, periodMs } : undefined;
    if (pace?.capacity === mirrored?.capacity && pace?.periodMs === mirrored?.periodMs) return;
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
    const local = (): TakeResult => this.takeAlone(key, n, spec, now);
    if (!this.ctx.link.useRedis()) return local();
    const k = keysOf(this.ctx.options.prefix, key);
    // The requests held ask for their tokens at once, up to this process' share of a window: one
    // round trip for them all, not one each (at 50 ms to Redis that bounded a process to 20 a second).
    const share = Math.max(n, Math.floor(spec.capacity / this.liveAt(key)));
    const ask = Math.max(n, Math.min(share, n + Math.max(0, Math.floor(wanted) - 1)));
    const args = [this.ctx.self, n, LIVE_MS, PACE_TTL, ask];
    return this.ctx.link.run(() => this.ctx.exec(TAKE_PACE, [k.rate, k.bucket('pace'), k.live], args)).then((reply): TakeResult => {
      const status = reply[1];
      if (status === STALE) return local();
      this.alone.delete(key);
      this.live.set(key, Math.max(1, Number(reply[3]) || 1));
      if (status === 2 || status === 4) {
        // No live process vouches for it any more, or the lesson under way is no measure yet: the lanes ramp.
        this.inForce(key, 0, 0, Number(reply[6]));
        return { ok: true };
      }
      if (status === 3) return this.lost(key, now);
      this.inForce(key, Number(reply[4]), Number(reply[5]), Number(reply[6]));
      const ends = this.ctx.options.now() + Number(reply[8]);
      this.windows.set(key, { ends, left: Number(reply[9]) });
      if (status === 1) {
        const ahead = Number(reply[7]) - n;
        if (ahead > 0) this.leases.set(key, { tokens: ahead, until: ends });
        return { ok: true };
      }
      return { ok: false, waitMs: Math.max(1, Number(reply[2])) };
    }, local);
  }

  /** The processes Redis last counted live at `key`, this one at least. */
  private liveAt(key: string): number {
    return Math.max(1, this.live.get(key) ?? 1);
  }

  /**
   * A heartbeat's word on `key`: the processes live, and the pace window under way (tokens left,
   * ms to its end; 0: none), so that a process that has not taken from it lately knows it too.
   */
  heard(key: string, live: number, left: number, endsIn: number): void {
    if (live >= 1) this.live.set(key, live);
    if (endsIn > 0 && Number.isFinite(left)) this.windows.set(key, { ends: this.ctx.options.now() + endsIn, left });
  }

  /**
   * Without Redis: this process' share of the last pace known, and of the window under way only
   * what Redis said was left of it (its share of that), so that a fallback mid-window does not
   * spend the window again.
   */
  private takeAlone(key: string, n: number, spec: BucketSpec, now: number): TakeResult {
    const period = spec.periodMs ?? 1000;
    let alone = this.alone.get(key);
    if (!alone || now >= alone.until) {
      const known = this.windows.get(key);
      const live = this.liveAt(key);
      if (known && now < known.ends) alone = { tokens: Math.floor(known.left / live), until: known.ends };
      else {
        // The windows keep the phase Redis had, when it was known.
        const from = known ? known.ends + Math.floor((now - known.ends) / period) * period : now;
        alone = { tokens: Math.max(1, Math.floor(spec.capacity / live)), until: from + period };
      }
      this.alone.set(key, alone);
    }
    if (alone.tokens >= n) {
      alone.tokens -= n;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.max(1, Math.ceil(alone.until - now)) };
  }

  /**
   * Redis lost the pace (a restart, a flush): this process puts back the last one it knew, once,
   * its windows starting where the last known one ends; until then no token of that window is
   * spent again.
   */
  private lost(key: string, now: number): TakeResult {
    const pace = this.ctx.mirror.pace(key);
    const known = this.windows.get(key);
    if (pace && !this.rejoining.has(key)) {
      this.rejoining.add(key);
      const windowStart = known && known.ends > now ? known.ends : undefined;
      this.set(key, pace, { windowStart }, () => this.rejoining.delete(key), true);
    }
    if (known && known.ends > now) return { ok: false, waitMs: Math.max(1, Math.ceil(known.ends - now)) };
    // Where the window stands is not known here: wait for the pace to be back, then take from it.
    return { ok: false, waitMs: REJOIN_WAIT };
  }
}
