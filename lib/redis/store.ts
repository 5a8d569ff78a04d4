import type { Clock } from '../clock';
import type { BucketSpec } from '../coordination/bucket';
import { memoryStore, type BackoffStore, type BreakerState, type BucketName, type CooldownHow, type HeardRefusal, type PaceHow, type PaceState, type TakeResult } from '../coordination/store';
import type { RedisClient } from './client';
import { encode, isBreaker, readState, Subscription, type Update } from './events';
import { channelOf, keysOf } from './keys';
import { Link } from './link';
import type { ResolvedRedisOptions } from './options';
import { LIVE_MS, PACE_TTL, SharedPace } from './pace';
import { BUCKET, COOLDOWN, LIVE, LOAD, PROBE, runScript, STALE, STATE, type Script } from './scripts';

/** How far (ms) from this store's clock a refusal's `at` may be and still be counted from. */
const TRUSTED_AT = 1000;

/** A BackoffStore shared through Redis; `close()` ends its subscription. */
export interface RedisBackoffStore extends BackoffStore {
  prepare(key: string): Promise<void> | void;
  /** Unsubscribes and closes the store's own connection; the client passed in stays yours to close. */
  close(): Promise<void>;
}

/** How often a process tells Redis it runs, at each key it uses, ms. */
const HEARTBEAT_MS = 500;
/** An open breaker is forgotten a minute after its last update. */
const BREAKER_TTL = 60_000;
/** A bucket that does not refill (the retry budget) is forgotten, so full again, after ten idle minutes. */
const IDLE_BUCKET_TTL = 600_000;
/** Slack on a write's deadline for the error of the learned clock offset and small clock steps. */
const STALE_GRACE = 1000;

/**
 * Reads answer from a local mirror, kept current by other processes' published
 * writes; writes apply to the mirror at once and to Redis in the background. In
 * fallback the mirror is the whole store.
 */
export class SharedStore implements RedisBackoffStore {
  private readonly mirror = memoryStore();
  private readonly known = new Set<string>();
  private readonly paces: SharedPace;
  /** Who teaches its share of a window another process was refused in, at each key. */
  private readonly listeners = new Map<string, Set<(refusal: HeardRefusal) => void>>();
  /** When an outage state was last heard of from another process (local ms), at each key. */
  private readonly heard = new Map<string, number>();
  /** Tells this store's own messages from others'. */
  private readonly self: string;
  private readonly channel: string;
  private readonly link: Link;
  private readonly events: Subscription;
  /** Redis' clock minus this process' clock, learned from every reply. */
  private offset: number | undefined;
  private heartbeat: unknown = undefined;
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    private readonly options: ResolvedRedisOptions,
    private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout' | 'random'>,
  ) {
    this.self = [clock.random(), clock.random()].map((r) => r.toString(36).slice(2)).join('');
    this.channel = channelOf(options.prefix);
    this.link = new Link(options, clock, () => client.ping(), () => this.resync());
    this.events = new Subscription(client, this.channel, (update) => this.received(update), this.self);
    this.paces = new SharedPace({
      self: this.self,
      channel: this.channel,
      options,
      mirror: this.mirror,
      link: this.link,
      exec: (script, keys, args) => this.exec(script, keys, args),
    });
    // Connect the subscriber now, so the first request does not wait for it.
    this.events.start().catch(() => undefined);
  }

  cooldownUntil(key: string): number {
    this.link.useRedis(); // reads count as operations: in fallback, one of them starts the PING
    return this.mirror.cooldownUntil(key);
  }

  setCooldown(key: string, until: number, how?: CooldownHow): void {
    this.paces.refused(key);
    this.mirror.setCooldown(key, until);
    this.shareCooldown(key, until, how?.serverWait === true, how?.at);
  }

  onRefusal(key: string, listener: (refusal: HeardRefusal) => void): () => void {
    let listening = this.listeners.get(key);
    if (!listening) this.listeners.set(key, (listening = new Set()));
    const added = (r: HeardRefusal) => listener(r); // one registration, one removal, though the same function twice
    listening.add(added);
    return () => {
      listening.delete(added);
      if (listening.size === 0 && this.listeners.get(key) === listening) this.listeners.delete(key);
    };
  }

  breaker(key: string): BreakerState {
    this.link.useRedis();
    const breaker = this.mirror.breaker(key);
    if (breaker.failures === 0 && !breaker.probing) return breaker;
    // An outage heard of from others ends here when Redis would have forgotten it: nobody updated it for a minute.
    const heard = this.heard.get(key);
    if (heard !== undefined && this.options.now() > heard + BREAKER_TTL) {
      this.heard.delete(key);
      this.mirror.setBreaker(key, { failures: 0, probing: false });
      return this.mirror.breaker(key);
    }
    return breaker;
  }

  setBreaker(key: string, state: BreakerState): void {
    this.heard.delete(key);
    this.mirror.setBreaker(key, state);
    const open = state.failures > 0 || state.probing;
    const value = open ? JSON.stringify({ failures: state.failures, probing: state.probing }) : '';
    this.share(STATE, [keysOf(this.options.prefix, key).breaker], [value, BREAKER_TTL], { kind: 'breaker', key, state });
  }

  pace(key: string): PaceState | undefined {
    return this.mirror.pace(key);
  }

  /** Records this process' lesson or a whole pace; Redis answers, and tells every process, the pace in force. */
  setPace(key: string, pace: PaceState | undefined, how?: PaceHow): void {
    this.paces.set(key, pace, how);
  }

  /** The outage probe's turn, among every process: SET NX PX in Redis; in fallback, this process decides alone. */
  probeLease(key: string, ms: number): boolean | Promise<boolean> {
    if (!this.link.useRedis()) return true;
    const k = keysOf(this.options.prefix, key);
    return this.link.run(() => this.exec(PROBE, [k.probe], [this.self, Math.max(1, Math.round(ms))])).then(
      (reply) => reply[1] !== 0,
      () => true,
    );
  }

  take(key: string, bucket: BucketName, n: number, spec: BucketSpec, now: number, wanted = 1): TakeResult | Promise<TakeResult> {
    if (bucket === 'pace') return this.paces.take(key, n, spec, now, wanted);
    const local = () => this.mirror.take(key, bucket, n, spec, now);
    if (!this.link.useRedis()) return local();
    return this.link.run(() => this.bucket(key, bucket, 'take', n, spec)).then((reply): TakeResult | Promise<TakeResult> => {
      if (reply[1] === 1) return { ok: true };
      if (reply[1] !== 0) return local();
      const wait = Number(reply[2]);
      return { ok: false, waitMs: wait < 0 ? Infinity : wait };
    }, local);
  }

  give(key: string, bucket: BucketName, n: number, spec: BucketSpec, now: number): void {
    const local = (): void => this.mirror.give(key, bucket, n, spec, now);
    if (!this.link.useRedis()) return local();
    this.link.run(() => this.bucket(key, bucket, 'give', n, spec)).catch(local);
  }

  /** What the local mirror knows: the shared level may be lower, by what other processes took. */
  tokens(key: string, bucket: BucketName, spec: BucketSpec, now: number): number {
    return this.mirror.tokens?.(key, bucket, spec, now) ?? spec.capacity;
  }

  /** Loads the key's state before its first request; on failure resolves anyway, in fallback. */
  prepare(key: string): Promise<void> | void {
    this.known.add(key);
    this.beat();
    if (!this.link.useRedis()) return;
    const k = keysOf(this.options.prefix, key);
    return this.link
      .run(async () => {
        await this.events.start();
        return this.exec(LOAD, [k.cooldown, k.breaker, k.rate], []);
      })
      .then((reply) => {
        this.loaded(key, reply);
        // Counted live here from the first request, not from the first heartbeat.
        this.alive(key);
      }, () => undefined);
  }

  /** The key's state here is dropped (idle a while where it was used); Redis keeps what is still in force. */
  forget(key: string, now: number): void {
    this.known.delete(key);
    this.paces.forget(key);
    this.heard.delete(key);
    this.mirror.forget?.(key, now);
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat !== undefined) this.clock.clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    return this.events.close((promise) => this.link.timed(promise));
  }

  /**
   * While the store is open and knows some key, this process tells Redis each HEARTBEAT_MS that it
   * runs, at every key it uses where a pace is in force: busy or idle, it counts among the processes live there (its share
   * in fallback) and vouches for the pace it wrote; dead, it stops within LIVE_MS. The timer keeps
   * no process alive.
   */
  private beat(): void {
    if (this.heartbeat !== undefined || this.closed || this.known.size === 0) return;
    this.heartbeat = this.clock.setTimeout(() => {
      this.heartbeat = undefined;
      // Only where a pace is in force: vouching for it and sharing it are all a heartbeat is for.
      for (const key of this.known) if (this.mirror.pace(key)) this.alive(key);
      this.beat();
    }, HEARTBEAT_MS);
    (this.heartbeat as { unref?: () => void }).unref?.();
  }

  private alive(key: string): void {
    if (!this.link.useRedis()) return;
    const k = keysOf(this.options.prefix, key);
    this.link.run(() => this.exec(LIVE, [k.live, k.rate, k.bucket('pace')], [this.self, LIVE_MS, PACE_TTL])).then(
      (reply) => this.paces.heard(key, Number(reply[1]), Number(reply[2]), Number(reply[3])),
      () => undefined,
    );
  }

  private loaded(key: string, [, pttl, breaker, capacity, periodMs, version]: unknown[]): void {
    if (typeof pttl === 'number' && pttl > 0) this.mirror.setCooldown(key, this.options.now() + pttl);
    const b = readState(breaker, isBreaker);
    if (b) this.heardBreaker(key, b);
    const c = Number(capacity);
    const p = Number(periodMs);
    if (c > 0 && p > 0) this.paces.inForce(key, c, p, Number(version) || 0);
  }

  private received(update: Update): void {
    if (update.kind === 'cooldown') {
      // Another process was refused: what this one leased of the window is no longer there to spend.
      this.paces.refused(update.key);
      const at = this.options.now();
      this.mirror.setCooldown(update.key, at + update.wait);
      // The server's wait: the window it closed admitted what this process sent in it too.
      if (update.server) this.heardRefusal(update.key, { at, until: at + update.wait });
    }
    else if (update.kind === 'breaker') this.heardBreaker(update.key, update.state);
    else this.paces.inForce(update.key, update.pace?.capacity ?? 0, update.pace?.periodMs ?? 0, update.version);
  }

  private heardRefusal(key: string, refusal: HeardRefusal): void {
    for (const listener of this.listeners.get(key) ?? []) {
      try {
        listener(refusal);
      } catch {
        // One lane's failure to learn must not keep the others, or the store, from going on.
      }
    }
  }

  private heardBreaker(key: string, state: BreakerState): void {
    this.heard.set(key, this.options.now());
    this.mirror.setBreaker(key, state);
  }

  /** A cooldown goes to Redis as the wait left (from the refusal, `at`, when known), so no process' wall clock is trusted. */
  private shareCooldown(key: string, until: number, server = false, at?: number): void {
    // Both by the caller's clock: the wait is the one the server named, whatever this store's clock says.
    const now = this.options.now();
    // An `at` that is no refusal just now by this clock (another time base, a stale one) is not trusted.
    const from = at !== undefined && at <= until && Math.abs(at - now) <= TRUSTED_AT ? at : now;
    const wait = Math.ceil(until - from);
    if (!Number.isFinite(wait) || wait <= 0) return;
    const update: Update = server ? { kind: 'cooldown', key, wait, server: true } : { kind: 'cooldown', key, wait };
    this.share(COOLDOWN, [keysOf(this.options.prefix, key).cooldown], [wait], update);
  }

  /** Fire and forget: a failure has already switched the store to fallback. */
  private share(script: Script, keys: string[], args: Array<string | number>, update: Update): void {
    if (!this.link.useRedis()) return;
    const message = encode(this.self, update);
    this.link.run(() => this.exec(script, keys, [...args, this.channel, message])).catch(() => undefined);
  }

  private bucket(key: string, bucket: BucketName, mode: 'take' | 'give', n: number, spec: BucketSpec): Promise<unknown[]> {
    const args = [mode, n, spec.capacity, spec.refillPerMs, spec.periodMs ?? 0, IDLE_BUCKET_TTL];
    return this.exec(BUCKET, [keysOf(this.options.prefix, key).bucket(bucket)], args);
  }

  /**
   * ioredis queues commands while disconnected and resends unanswered ones after it
   * reconnects, so a write the store gave up on may run seconds later: with a wait
   * relative to then, a stale cooldown would hold every process longer than the server
   * asked. Each write carries a deadline in Redis' own time (through the offset learned
   * from the last reply) and is dropped after it. A write found stale while still awaited
   * means the offset was wrong (the clock stepped): it is sent once more.
   */
  private async exec(script: Script, keys: string[], args: Array<string | number>, retried = false): Promise<unknown[]> {
    const sentAt = this.options.now();
    const deadline = this.offset === undefined ? 0 : Math.round(sentAt + this.offset + 2 * this.options.timeoutMs + STALE_GRACE);
    const reply = await runScript(this.client, script, keys, [deadline, ...args]);
    if (typeof reply[0] === 'number') this.offset = reply[0] - this.options.now();
    const late = this.options.now() - sentAt >= this.options.timeoutMs;
    if (reply[1] === STALE && !retried && !late) return this.exec(script, keys, args, true);
    return reply;
  }

  /** Back from fallback: share the cooldowns learned meanwhile, and reload what others wrote. */
  private resync(): void {
    this.events.start().catch(() => undefined);
    for (const key of this.known) {
      this.shareCooldown(key, this.mirror.cooldownUntil(key));
      void this.prepare(key);
    }
  }
}
