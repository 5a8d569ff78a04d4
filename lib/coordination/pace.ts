import { SANE_WAIT } from './lane-types';
import { BETA, RateCurve, SendMeter } from './rate';
import type { PaceState } from './store';

/**
 * Send times of recent successes, in a ring: recording one is O(1), on every success. The ring
 * starts small and doubles when full, up to `limit`, so an idle key costs a few bytes, not 32 KB.
 */
export class SuccessLog {
  private times: Float64Array;
  private next = 0;
  private size = 0;

  constructor(private readonly limit = 4096, initial = 16) {
    this.times = new Float64Array(Math.min(initial, limit));
  }

  add(sentAt: number): void {
    if (this.size === this.times.length && this.size < this.limit) {
      // Full: grow, oldest first, so the ring goes on from the end of the copy.
      const grown = new Float64Array(Math.min(this.limit, this.size * 2));
      grown.set(this.times.subarray(this.next), 0);
      grown.set(this.times.subarray(0, this.next), this.size - this.next);
      this.times = grown;
      this.next = this.size;
    }
    this.times[this.next] = sentAt;
    this.next = (this.next + 1) % this.times.length;
    if (this.size < this.times.length) this.size++;
  }

  /** Successes sent in [from, to], and the earliest such send. Answers arrive out of order: scan all. */
  since(from: number, to: number): { count: number; first: number | undefined } {
    let count = 0;
    let first = Infinity;
    for (let i = 0; i < this.size; i++) {
      const sentAt = this.times[i];
      if (sentAt < from || sentAt > to) continue;
      count++;
      first = Math.min(first, sentAt);
    }
    return { count, first: count > 0 ? first : undefined };
  }
}

/** What a rate limit taught: the window it closed, for successes that answer late. */
export interface Lesson {
  /** The first send the window admitted (the refusal's time when none is known yet). */
  readonly from: number;
  /** Where the look-back starts: a success sent from then until the refusal was admitted by that window. */
  readonly since: number;
  readonly at: number;
  readonly until: number;
  /** Undefined when nothing was admitted and nothing was known: the cooldown alone applies. */
  readonly pace: PaceState | undefined;
}

/** The look-back for counting what the server admitted: as long as the wait, at least 1 s. */
const MIN_LOOKBACK = 1000;

/**
 * The window's length, from a window that held the sends of [first, at] and ends by `until`.
 * Retry-After in whole seconds puts the end anywhere in the last second before `until`, so
 * the length lies between `low` and `until - first`; servers count whole seconds (1 s, 10 s,
 * a minute), so the least whole number of seconds in that span is taken. Too long a guess
 * sends slower than the server allows; too short a one is corrected by the refusal it meets.
 */
export function windowLength(first: number, at: number, until: number): number {
  const high = Math.max(1, until - first);
  const rounded = (until - at) % 1000 === 0;
  const low = Math.max(1, at - first, rounded ? until - 1000 - first : high);
  const seconds = Math.max(low, Math.min(high, Math.ceil(low / 1000) * 1000));
  // A batch takes a few ms to arrive: a window exactly as long would let the next batch reach a
  // sliding log or a token bucket before the last one has left it.
  // A ban of days teaches a window no longer than the longest wait believed.
  return Math.min(SANE_WAIT, Math.ceil(seconds * (1 + SPREAD)));
}

/** The part of a window added to it for the spread of a batch's arrivals. */
const SPREAD = 0.02;

/**
 * A fixed-window server admitted `count` requests sent since about `first`, then refused at
 * `at` until `until`: release that many per window (`windowLength`). With nothing admitted
 * (the window was spent by someone else: another process, or a request of another lane)
 * there is nothing to learn: the last pace, if any, stands. Nothing sent before `notBefore`
 * (the end of the last cooldown, or the start of this window as the last pace had it) is
 * counted: it belongs to an earlier window.
 */
export function learn(log: SuccessLog, at: number, until: number, notBefore = -Infinity): Lesson {
  const wait = Math.max(0, until - at);
  const from = Math.max(at - Math.max(wait, MIN_LOOKBACK), notBefore);
  const { count, first } = log.since(from, at);
  const start = first ?? at;
  const pace = count > 0 ? { capacity: count, periodMs: windowLength(start, at, until) } : undefined;
  return { from: start, since: from, at, until, pace };
}

/**
 * Where the window of a pace learned from [first, at] begins at the cooldown's end, `until`: the
 * server's windows start at or before `first` and every `periodMs` after, so ours start a whole
 * number of windows after `first`, never before the one `until` falls in, and never at `first`
 * itself (that window is spent). Released there rather than at `until`, they keep the server's
 * phase: Retry-After in whole seconds ends a cooldown up to a second into the next window.
 */
export function gridAfter(first: number, periodMs: number, until: number): number {
  return first + Math.max(1, Math.floor((until - first) / periodMs)) * periodMs;
}

/** A cooldown that ended less than this part of a window after the server's: the windows start at its end. */
const LAG = 0.1;

/**
 * Where the windows start after a lesson, when the cooldown's end lags the server's window by a
 * tenth of one or more; else undefined: they start at the first release, a whole window after the
 * last batch, which a sliding log or a token bucket needs (the phase matters to fixed windows only,
 * and it is not worth a batch landing less than a window after the one before).
 */
export function laggingStart(first: number, periodMs: number, until: number): number | undefined {
  const start = gridAfter(first, periodMs, until);
  return until - start > LAG * periodMs ? start : undefined;
}

/** A success sent at `sentAt`, before the refusal but answered after it: the window admitted one more. */
export function admitLate(lesson: Lesson, sentAt = lesson.from): Lesson {
  const capacity = (lesson.pace?.capacity ?? 0) + 1;
  const from = lesson.pace ? Math.min(lesson.from, sentAt) : sentAt;
  return { ...lesson, from, pace: { capacity, periodMs: lesson.pace?.periodMs ?? windowLength(from, lesson.at, lesson.until) } };
}

/** A learned pace is looked at again, as its curve climbs, at most this often (ms): it runs on successes. */
const GROW_EVERY = 100;
/** The most a pace grows in one window past the rate last refused, as a part of it. */
const GROW_STEP = 0.1;
/** The finest window a pace learned without a server's window is released in, ms. */
const FINE_PERIOD = 250;
/** Fewer successes than this, with no pace known, measure nothing: the first round of the ramp. */
export const MIN_SAMPLE = 4;
/** Two lessons of too few within this many windows of each other: the limit is that low. */
const LOW_AGAIN = 3;
/** The least rate a refusal leaves, req/s (AWS: minFillRate). */
const MIN_RATE = 0.5;

/** Requests per second of a pace. */
export function rateOf(pace: PaceState): number {
  return (pace.capacity * 1000) / pace.periodMs;
}

/** The pace that releases `rate` req/s in windows of `periodMs`, or finer ones when that is too few a window. */
export function paceAt(rate: number, periodMs?: number): PaceState {
  const period = periodMs ?? (rate * FINE_PERIOD >= 1000 ? FINE_PERIOD : Math.ceil(1000 / Math.max(rate, MIN_RATE)));
  return { capacity: Math.max(1, Math.floor((rate * period) / 1000)), periodMs: period };
}

/**
 * What one lane learns about its origin's pace. A refusal with the server's wait teaches a
 * window (what it admitted, until when); one without falls to BETA of the rate sent. Either
 * way the rate climbs back on the cubic curve while nothing is refused, never past twice the
 * rate actually sent, and never below what the server was seen to admit: what the client
 * happened to send is a lower bound, never the limit. Nothing learned is dropped at once.
 */
export class PaceLearner {
  /**
   * `shared`: processes sharing a store each see part of a window, and add what they saw up; what
   * this one saw is its share of the lesson however small, never a measure of the whole pace.
   */
  constructor(private readonly shared = false) {}

  private readonly successes = new SuccessLog();
  private readonly meter = new SendMeter();
  private lesson: Lesson | undefined;
  private curve: RateCurve | undefined;
  /** A refusal without a wait, of a request sent before this, belongs to a cut already made. */
  private cutAt = -Infinity;
  private nextGrowAt = 0;

  /** The last lesson of too few to be a measure, and when it came: a second one soon after confirms it. */
  private low: { capacity: number; at: number } | undefined = undefined;

  /** When this lane's current window of sends began (the first send a window after the last such), epoch ms. */
  private windowSends = -Infinity;

  sent(now: number, current?: PaceState): void {
    this.meter.sent(now);
    if (current && now >= this.windowSends + current.periodMs) this.windowSends = now;
  }

  /** A success sent at `sentAt`: the pace to store, or undefined for no change. */
  succeeded(sentAt: number, now: number, current: PaceState | undefined): PaceState | undefined {
    this.successes.add(sentAt);
    this.windowStart = undefined;
    this.lessonAt = undefined;
    const lesson = this.lesson;
    // Sent before the refusal, answered after it, and before any release: the window admitted one more.
    // Processes sharing a store also count what was still on its way when another's refusal came.
    const since = lesson && this.shared ? Math.min(lesson.from, lesson.since) : lesson?.from;
    if (lesson && since !== undefined && sentAt >= since && sentAt <= lesson.at && now <= lesson.until) {
      this.lesson = admitLate(lesson, sentAt);
      const pace = this.lesson.pace as PaceState;
      this.curve = new RateCurve(rateOf(pace), rateOf(pace), lesson.at);
      this.windowStart = laggingStart(lesson.from, pace.periodMs, lesson.until);
      this.lessonAt = lesson.at;
      return pace;
    }
    if (!current || now < this.nextGrowAt) return undefined;
    // Once a window: a pace grows by a tenth (at least one) a window at most, whatever the curve says.
    this.nextGrowAt = now + Math.max(GROW_EVERY, current.periodMs);
    return this.grow(now, current);
  }

  /** The curve's rate now, within twice the rate sent: a new capacity, or undefined when it is the same. */
  private grow(now: number, current: PaceState): PaceState | undefined {
    // A pace this learner did not set (another process', or one kept while the lane was idle) climbs from where it is.
    this.curve ??= new RateCurve(rateOf(current), rateOf(current), now);
    const rate = Math.min(this.curve.rateAt(now), Math.max(this.curve.max, 2 * this.meter.rate(now)));
    const next = paceAt(Math.max(rate, this.curve.floor), current.periodMs);
    // Back up to the rate last refused the curve climbs freely; past it, a tenth a window at most.
    const known = Math.max(current.capacity, paceAt(this.curve.max, current.periodMs).capacity);
    const step = Math.max(1, Math.floor(current.capacity * GROW_STEP));
    const capacity = next.capacity <= known ? next.capacity : Math.max(known, Math.min(next.capacity, current.capacity + step));
    // Successes only ever raise a pace: one in force above this curve (another process' lessons added up) stands.
    return capacity > current.capacity ? { capacity, periodMs: current.periodMs } : undefined;
  }

  /** Where the windows of the pace the last refusal taught start (epoch ms), when it taught one. */
  windowStart: number | undefined = undefined;

  /**
   * When the refusal came (epoch ms) whose lesson the pace last returned is: what this process saw
   * that window admit, which processes sharing a store add up. Undefined for a pace worked out from
   * the one in force (grown, cut): the origin's whole pace.
   */
  lessonAt: number | undefined = undefined;

  /** A refusal of a request sent at `sentAt`, with the server's wait or none: the pace to store, or undefined. */
  limited(wait: number | undefined, sentAt: number, now: number, current: PaceState | undefined): PaceState | undefined {
    this.windowStart = undefined;
    this.lessonAt = undefined;
    return wait === undefined ? this.cut(sentAt, now, current) : this.window(wait, now, current);
  }

  /** A refusal that says until when: what the window admitted is the pace, unless it undercounts the last one. */
  private window(wait: number, now: number, current: PaceState | undefined): PaceState | undefined {
    // One window's worth of refusals teaches one lesson; the rest of the burst only confirms it.
    if (this.lesson && now <= this.lesson.until) return undefined;
    // The last cooldown ended at or after its window did, and under a pace this window's sends began
    // when its first went: what was admitted before either belongs to an earlier window.
    const windowStart = current ? this.windowSends : -Infinity;
    this.lesson = learn(this.successes, now, now + wait, Math.max(this.lesson?.until ?? -Infinity, windowStart));
    this.cutAt = now;
    const learned = this.lesson.pace;
    if (this.shared) {
      if (!learned) return undefined;
      // The pace in force becomes the lessons added up: the curve starts from it at the first success.
      this.curve = undefined;
      this.windowStart = laggingStart(this.lesson.from, learned.periodMs, this.lesson.until);
      this.lessonAt = this.lesson.at;
      return learned;
    }
    const previous = current && rateOf(current);
    // A few requests admitted, with nothing known before: a lower bound, no measure of the limit,
    // unless the window before taught as little (a server whose limit is that low, not someone else's spending).
    if (!current && (learned?.capacity ?? 0) < MIN_SAMPLE) {
      const low = this.low;
      this.low = learned && { capacity: learned.capacity, at: now };
      if (!learned || !low || now - low.at > LOW_AGAIN * learned.periodMs) return undefined;
      const pace = { capacity: Math.max(low.capacity, learned.capacity), periodMs: learned.periodMs };
      this.curve = new RateCurve(rateOf(pace), rateOf(pace), now);
      this.lessonAt = this.lesson.at;
      return pace;
    }
    if (!learned) {
      if (previous === undefined) return undefined;
      this.curve = new RateCurve(previous, BETA * previous, now);
      return paceAt(BETA * previous, current?.periodMs);
    }
    const rate = rateOf(learned);
    // Far fewer admitted than the last lesson taught (under BETA of BETA: more than answers still on
    // their way explain): someone else spent the window, this is no measure of it. The last lesson,
    // not a pace that has grown past it since: that growth is what this refusal answers.
    const taught = this.curve?.floor ?? previous;
    if (previous !== undefined && taught !== undefined && rate < BETA * BETA * taught) {
      this.curve = new RateCurve(previous, BETA * previous, now);
      return paceAt(BETA * previous, learned.periodMs);
    }
    this.curve = new RateCurve(rate, rate, now);
    this.windowStart = laggingStart(this.lesson.from, learned.periodMs, this.lesson.until);
    this.lessonAt = this.lesson.at;
    return learned;
  }

  /** A refusal that says nothing of how long: BETA of the rate sent, once for the requests already out. */
  private cut(sentAt: number, now: number, current: PaceState | undefined): PaceState | undefined {
    if (sentAt < this.cutAt) return undefined;
    this.cutAt = now;
    // A pace in force is what was refused; without one, what the server admitted in the last second
    // (a first burst sends far more than it admits). A cut takes BETA off it, and no more: a refusal
    // of the few requests an idle client sent says little of what the server allows.
    const admitted = this.successes.since(now - 1000, now).count;
    // Too few admitted and nothing known: no rate to cut from; the ramp starts again from one.
    if (!current && admitted < MIN_SAMPLE) return undefined;
    const max = current ? rateOf(current) : Math.max(MIN_RATE, admitted);
    this.curve = new RateCurve(max, Math.max(MIN_RATE, BETA * max), now);
    return paceAt(this.curve.floor, current?.periodMs);
  }
}
