import type { PaceState } from './store';

/** Send times of recent successes, in a fixed ring: recording one is O(1), on every success. */
export class SuccessLog {
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;

  constructor(limit = 4096) {
    this.times = new Float64Array(limit);
  }

  add(sentAt: number): void {
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
 * With nothing admitted (the window was spent by someone else), halve the last pace;
 * with no last pace either, there is nothing to learn.
 */
export function learn(log: SuccessLog, at: number, until: number, previous: PaceState | undefined): Lesson {
  const wait = Math.max(0, until - at);
  const from = at - Math.max(wait, MIN_LOOKBACK);
  const { count, first } = log.since(from, at);
  const start = first ?? at;
  const period = Math.max(1, until - start);
  if (count === 0 && !previous) return { from: start, at, until, pace: undefined };
  const capacity = count > 0 ? count : Math.max(1, Math.floor(previous!.capacity / 2));
  return { from: start, at, until, pace: { capacity, periodMs: period } };
}

/** A success sent before the refusal but answered after it: the window admitted one more. */
export function admitLate(lesson: Lesson): Lesson {
  const capacity = (lesson.pace?.capacity ?? 0) + 1;
  return { ...lesson, pace: { capacity, periodMs: Math.max(1, lesson.until - lesson.from) } };
}
