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
  readonly from: number;
  readonly at: number;
  readonly until: number;
  /** Undefined when nothing was admitted and nothing was known: the cooldown alone applies. */
  readonly pace: PaceState | undefined;
}

/** The look-back for counting what the server admitted: as long as the wait, at least 1 s. */
const MIN_LOOKBACK = 1000;

/**
 * A fixed-window server admitted `count` requests sent since about `first`, then
 * refused at `at` until `until`: release that many per window of (until - first).
 * Retry-After in whole seconds makes `until` late by up to a second, so the
 * learned window errs long: slower than the server allows, never faster.
 * With nothing admitted (the window was spent by someone else: another process, or a
 * request of another lane) there is nothing to learn: the last pace, if any, stands.
 */
export function learn(log: SuccessLog, at: number, until: number): Lesson {
  const wait = Math.max(0, until - at);
  const from = at - Math.max(wait, MIN_LOOKBACK);
  const { count, first } = log.since(from, at);
  const start = first ?? at;
  const pace = count > 0 ? { capacity: count, periodMs: Math.max(1, until - start) } : undefined;
  return { from: start, at, until, pace };
}

/** A success sent before the refusal but answered after it: the window admitted one more. */
export function admitLate(lesson: Lesson): Lesson {
  const capacity = (lesson.pace?.capacity ?? 0) + 1;
  return { ...lesson, pace: { capacity, periodMs: Math.max(1, lesson.until - lesson.from) } };
}

/**
 * What one lane learns about its origin's pace: successes are logged, a rate
 * limit turns them into a lesson, and a quiet spell makes it forget.
 */
export class PaceLearner {
  private readonly successes = new SuccessLog();
  private lesson: Lesson | undefined;
  private lastLimitedAt = 0;

  constructor(private readonly forgetAfter: number) {}

  /** A success sent at `sentAt`: the pace to store, `null` to forget it, undefined for no change. */
  succeeded(sentAt: number, now: () => number): PaceState | null | undefined {
    this.successes.add(sentAt);
    const lesson = this.lesson;
    if (!lesson) return undefined;
    // Only this lane's own lesson is forgotten; a pace another process shared expires in its store.
    if (now() - this.lastLimitedAt > this.forgetAfter) {
      this.lesson = undefined;
      return null;
    }
    // Sent before the refusal, answered after it, and before any release: the window admitted one more.
    if (sentAt >= lesson.from && sentAt <= lesson.at && now() <= lesson.until) {
      this.lesson = admitLate(lesson);
      return this.lesson.pace;
    }
    return undefined;
  }

  /** A refusal with the server's wait: the pace to store, or undefined for no change. */
  limited(wait: number | undefined, now: number): PaceState | undefined {
    this.lastLimitedAt = now;
    if (wait === undefined) return undefined;
    // One window's worth of refusals teaches one lesson; the rest of the burst only confirms it.
    if (this.lesson && now <= this.lesson.until) return undefined;
    this.lesson = learn(this.successes, now, now + wait);
    return this.lesson.pace;
  }
}
