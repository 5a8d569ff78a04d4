import type { QuotaReading, RequestCost } from '../quota/types';

/** A declared limit as `backoffSnapshot` shows it. */
export interface QuotaSnapshot {
  /** The limit's id: `ratelimit:<policy>`, `x-ratelimit`, `x-mbx-used-weight-1m`…; an endpoint's own is followed by its route. */
  readonly id: string;
  /** Units this process may still send in the current window. */
  readonly remaining: number;
  /** Units per window, declared or the most seen left. */
  readonly limit: number;
  /** ms until the window resets, when known. */
  readonly resetMs: number | undefined;
}

/** What a request spends, and where it goes: a limit of one endpoint's own applies to that endpoint only. */
export interface Use {
  readonly cost?: RequestCost;
  /** `METHOD path` of the request. */
  readonly route?: string;
}

/** One declared limit, as this lane keeps count of it between the server's readings. */
interface Quota {
  /** The limit's id, as costs name it. */
  readonly id: string;
  /** The endpoint it belongs to, for a limit of one endpoint's own. */
  readonly route: string | undefined;
  /** Units this lane may still send in the current window. */
  tokens: number;
  /** When the current window ends, epoch ms; undefined when no reading said. */
  resetAt: number | undefined;
  /** Units per window: declared, or the most ever seen left. */
  limit: number;
  /** The server declared `limit`; one merely seen left is no bound on what a request may cost. */
  declared: boolean;
  /** A window just reset by our clock: one request goes first, to read whether the server's did too. */
  probing: boolean;
  /** When that first request went, epoch ms; -Infinity while none is out. */
  probeAt: number;
  /** Units refilled per ms, for a counter that decays; undefined for a window. */
  readonly refillPerMs: number | undefined;
  /** A documented limit the server says nothing of: counted here, never reset by a reading. */
  readonly counted: boolean;
  windowMs: number | undefined;
  /** When the last reading came, epoch ms. */
  readAt: number;
}

/** Without a reset, a spent limit lets one request go this long after its last reading, to read it again (ms). */
const REREAD_AFTER = 1000;
/** After a probe found the server's window not reset yet, the next one goes this much later (ms). */
const REPROBE_AFTER = 200;
/** A reset said this much later than the one known, with more left, is the next window's (ms). */
const LATER = 100;

/** The units `cost` spends against limit `id`: a number against every limit, a record against those it names, else 1. */
export function costFor(cost: RequestCost | undefined, id: string): number {
  if (cost === undefined) return 1;
  if (typeof cost === 'number') return cost;
  const units = cost[id];
  return typeof units === 'number' && Number.isFinite(units) && units >= 0 ? units : 1;
}

/**
 * The limits an origin declares on its responses, spent as requests leave: a request goes
 * only while every limit it falls under has units left for it, and a spent one holds the
 * others until its window resets. The server's reading is the truth when it comes; between
 * readings the lane counts down, and requests still in flight are counted against it.
 */
export class DeclaredQuotas {
  private readonly quotas = new Map<string, Quota>();
  /** Units in flight against each limit, sent and not yet answered. */
  private readonly inFlight = new Map<string, number>();
  /** The costs of the requests in flight, for a limit first declared while they are out. */
  private readonly outstanding = new Map<RequestCost | undefined, number>();
  /** Requests in flight of no cost of their own, sent while nothing was declared. */
  private unpriced = 0;

  /** Some limit has been declared: the server's word, not a guess, limits this origin. */
  get known(): boolean {
    return this.quotas.size > 0;
  }

  /** Some limit declared is an endpoint's own. */
  routed = false;

  /** 0 when a request fits every limit it falls under at `now`; else the ms until it may (a reset, a read again). */
  wait(use: Use, now: number): number {
    let longest = 0;
    for (const q of this.quotas.values()) {
      if (q.route !== undefined && q.route !== use.route) continue;
      const units = costFor(use.cost, q.id);
      // A request that spends nothing of a limit (a cancel, against the order count) is never held by it.
      if (units === 0) continue;
      this.refill(q, now);
      if (q.probing) {
        // The first request of a window goes alone, whatever it costs; the others wait for its answer,
        // or for another to go when it has not come in REREAD_AFTER.
        if (now < q.probeAt + REREAD_AFTER) longest = Math.max(longest, q.probeAt + REREAD_AFTER - now);
        continue;
      }
      if (q.tokens >= units) continue;
      // More than a whole declared window holds would never fit: let it go, and let the server say.
      if (q.declared && units > q.limit) continue;
      if (q.refillPerMs !== undefined) longest = Math.max(longest, Math.ceil((units - q.tokens) / q.refillPerMs));
      else if (q.resetAt !== undefined) longest = Math.max(longest, q.resetAt - now);
      else if (now < q.readAt + REREAD_AFTER) longest = Math.max(longest, q.readAt + REREAD_AFTER - now);
      else {
        // Nothing tells when: one goes to read the limit again, each REREAD_AFTER.
        q.tokens = units;
        q.readAt = now;
      }
    }
    return longest;
  }

  /** The longest any spent limit of the origin holds a request of one unit, ms; 0 when none is spent or its end is unknown. */
  longestHold(now: number): number {
    let longest = 0;
    for (const q of this.quotas.values()) {
      if (q.route !== undefined) continue;
      this.refill(q, now);
      if (q.tokens < 1 && q.resetAt !== undefined) longest = Math.max(longest, q.resetAt - now);
    }
    return longest;
  }

  /** A request of `cost` leaves: its units are spent against every limit, and counted in flight. */
  spend(use: Use, now: number): void {
    // Most origins declare nothing: a request then costs one count, not a map's work.
    if (this.quotas.size === 0 && use.cost === undefined) {
      this.unpriced++;
      return;
    }
    this.outstanding.set(use.cost, (this.outstanding.get(use.cost) ?? 0) + 1);
    for (const [key, q] of this.quotas) {
      if (q.route !== undefined && q.route !== use.route) continue;
      const units = costFor(use.cost, q.id);
      if (q.probing && units > 0 && q.probeAt === -Infinity) q.probeAt = now;
      q.tokens -= units;
      this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + units);
    }
  }

  /** A request of `cost` was answered at `now`, with what the server declares (none: []). */
  answered(use: Use, readings: readonly QuotaReading[], now: number): void {
    // Most origins declare nothing: the answer to a request spend() counted with one number.
    if (this.quotas.size === 0 && use.cost === undefined && readings.length === 0 && this.unpriced > 0 && this.outstanding.size === 0) {
      this.unpriced--;
      return;
    }
    const out = this.outstanding.get(use.cost) ?? 0;
    if (use.cost === undefined && out === 0 && this.unpriced > 0) this.unpriced--;
    else if (out <= 1) this.outstanding.delete(use.cost);
    else this.outstanding.set(use.cost, out - 1);
    for (const [key, q] of this.quotas) {
      if (q.route !== undefined && q.route !== use.route) continue;
      this.inFlight.set(key, Math.max(0, (this.inFlight.get(key) ?? 0) - costFor(use.cost, q.id)));
    }
    for (const r of readings) this.read(r, now, use);
    // The first request of a window came back without a word on its limit (an error, a cut reply): another goes.
    for (const q of this.quotas.values()) {
      const applies = q.route === undefined || q.route === use.route;
      if (applies && q.probing && costFor(use.cost, q.id) > 0 && !readings.some((r) => r.id === q.id)) q.probeAt = -Infinity;
    }
  }

  private read(r: QuotaReading, now: number, answered: Use): void {
    // A reset already past (a clock ahead of the server's, a delta rounded down to 0) says nothing of when.
    const resetAt = r.resetMs === undefined || r.resetMs <= 0 ? undefined : now + r.resetMs;
    const route = r.perRoute ? answered.route : undefined;
    const key = route === undefined ? r.id : `${r.id} ${route}`;
    const q = this.quotas.get(key);
    const limit = r.limit ?? Math.max(r.remaining, q?.limit ?? 0);
    if (!q) {
      // Declared for the first time: the requests already out spend it too (an endpoint's own: not counted).
      let units = 0;
      if (route === undefined) for (const [c, n] of this.outstanding) units += costFor(c, r.id) * n;
      if (route === undefined) units += this.unpriced;
      // A documented limit starts where it stood before any request of ours: the answered one spent it too.
      const spent = r.counted ? costFor(answered.cost, r.id) : 0;
      this.inFlight.set(key, units);
      const declared = r.limit !== undefined;
      const refillPerMs = r.refillPerSecond !== undefined && r.refillPerSecond > 0 ? r.refillPerSecond / 1000 : undefined;
      const fresh: Quota = {
        id: r.id, route, tokens: r.remaining - units - spent, resetAt, limit, declared, probing: false, probeAt: -Infinity,
        windowMs: r.windowMs, readAt: now, refillPerMs, counted: r.counted === true,
      };
      this.quotas.set(key, fresh);
      if (route !== undefined) this.routed = true;
      return;
    }
    // A limit counted here: the declaration was its start, what follows is the lane's own count.
    if (q.counted) return;
    this.refill(q, now);
    // Requests still in flight may not be in the server's count yet: count them against what it says is left.
    const left = r.remaining - (this.inFlight.get(key) ?? 0);
    // A new window: one that ends well after this one, or later with more left (the server reset it sooner than we knew).
    const later = q.resetAt === undefined || resetAt === undefined ? Infinity : resetAt - q.resetAt;
    const fresh = later > this.slack(q) || (later > LATER && left > q.tokens);
    if (q.probing) {
      q.probing = false;
      q.probeAt = -Infinity;
      // The first answer after our clock reset the window: the server's count decides. Not reset
      // there yet (its clock is behind ours): spent until it is, read again soon.
      if (left <= 0) {
        q.tokens = left;
        q.resetAt = now + REPROBE_AFTER;
        q.readAt = now;
        return;
      }
      q.tokens = left;
    } else {
      // Within a window the lowest count stands (answers arrive out of order); each reading bounds its end.
      q.tokens = fresh ? left : Math.min(q.tokens, left);
    }
    q.resetAt = fresh || q.resetAt === undefined || resetAt === undefined ? resetAt : Math.min(q.resetAt, resetAt);
    q.limit = limit;
    q.declared ||= r.limit !== undefined;
    q.windowMs = r.windowMs ?? q.windowMs;
    q.readAt = now;
  }

  /** How much later a reset may be said and still be this window's: resets in whole seconds vary by one. */
  private slack(q: Quota): number {
    return Math.max(1000, (q.windowMs ?? 0) / 2);
  }

  /**
   * A window that ended by our clock: one request goes first, and the server's reading of it
   * says whether the window reset there too (clocks differ; Binance counts by its own) before
   * the rest of the window's units go. The next one ends a window later, when its length is known.
   */
  private refill(q: Quota, now: number): void {
    if (q.refillPerMs !== undefined) {
      // A counter that decays: what the time since gave back, up to the limit.
      q.tokens = Math.min(q.limit, q.tokens + Math.max(0, now - q.readAt) * q.refillPerMs);
      q.readAt = now;
      return;
    }
    if (q.resetAt === undefined || now < q.resetAt) return;
    q.tokens = 0;
    q.probing = true;
    q.probeAt = -Infinity;
    q.resetAt = q.windowMs === undefined ? undefined : q.resetAt + Math.ceil((now - q.resetAt + 1) / q.windowMs) * q.windowMs;
    q.readAt = now;
  }

  /** The limits known, for a snapshot: units left and when each resets. */
  describe(now: number): QuotaSnapshot[] {
    return [...this.quotas].map(([key, q]) => {
      this.refill(q, now);
      return { id: key, remaining: Math.max(0, q.tokens), limit: q.limit, resetMs: q.resetAt === undefined ? undefined : q.resetAt - now };
    });
  }
}
