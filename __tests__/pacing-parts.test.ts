import { give, refill, take } from '../lib/coordination/bucket';
import { admitLate, gridAfter, laggingStart, learn, SuccessLog, windowLength } from '../lib/coordination/pace';
import { Ramp } from '../lib/coordination/ramp';
import { ReleaseQueue } from '../lib/coordination/release-queue';
import { Lane } from '../lib/coordination/lane';
import { memoryStore } from '../lib/coordination/store';
import type { BackoffEvent } from '../lib/coordination/events';

describe('token bucket', () => {
  const continuous = { capacity: 10, refillPerMs: 0.01 };
  const windowed = { capacity: 10, refillPerMs: 0, periodMs: 1000 };

  it('starts full', () => {
    expect(refill(undefined, continuous, 5).tokens).toBe(10);
  });

  it('refills continuously, capped at capacity', () => {
    const empty = { tokens: 0, at: 0 };
    expect(refill(empty, continuous, 300).tokens).toBeCloseTo(3);
    expect(refill(empty, continuous, 5_000).tokens).toBe(10);
  });

  it('says how long until enough tokens, and takes none meanwhile', () => {
    const result = take({ tokens: 1, at: 0 }, continuous, 3, 0);
    expect(result).toMatchObject({ ok: false, waitMs: 200 });
    expect(result.level.tokens).toBe(1);
  });

  it('refills a windowed bucket whole, once a period, keeping the window phase', () => {
    let level = take(undefined, windowed, 10, 100).level;
    expect(level).toEqual({ tokens: 0, at: 100 });
    const early = take(level, windowed, 1, 1099);
    expect(early).toMatchObject({ ok: false, waitMs: 1 });
    level = take(level, windowed, 1, 2150).level;
    // Two periods later the window starts at 2100, not at the take.
    expect(level).toEqual({ tokens: 9, at: 2100 });
  });

  it('never lets a windowed bucket release more than capacity inside one period', () => {
    let level = undefined;
    let released = 0;
    for (let t = 0; t < 1000; t += 7) {
      const r = take(level, windowed, 1, t);
      level = r.level;
      if (r.ok) released++;
    }
    expect(released).toBe(10);
  });

  it('gives tokens back up to capacity', () => {
    expect(give({ tokens: 8, at: 0 }, { capacity: 10, refillPerMs: 0 }, 5, 0).tokens).toBe(10);
  });
});

describe('learning a pace from a rate limit', () => {
  it('counts what the window admitted and how long it lasted', () => {
    const log = new SuccessLog();
    [0, 5, 10, 12, 20].forEach((t) => log.add(t));
    const lesson = learn(log, 30, 1_030);
    // Retry-After in whole seconds: the window is a whole number of seconds (at least 30 ms long), and 2 % for the spread.
    expect(lesson.pace).toEqual({ capacity: 5, periodMs: 1_020 });
  });

  it.each([
    // first, at, until: the window held [first, at] and ends by until
    [0, 50, 1_050, 1_020],
    [0, 834, 1_834, 1_020],
    [0, 50, 10_050, 10_200],
    [0, 1_500, 2_500, 2_040],
    // a wait in ms is no rounded Retry-After: the end is known
    [0, 50, 1_030, 1_051],
  ])('takes the least whole number of seconds the window can be, and 2 %% for a batch\'s spread: first %p, refused at %p until %p: %p ms', (first, at, until, length) => {
    expect(windowLength(first, at, until)).toBe(length);
  });

  it('looks back as far as the wait, at least a second', () => {
    const log = new SuccessLog();
    [-5_000, -1_500, -500, 0].forEach((t) => log.add(t));
    expect(learn(log, 0, 1_000).pace?.capacity).toBe(2);
    expect(learn(log, 0, 3_000).pace?.capacity).toBe(3);
  });

  it('learns nothing from a refusal with nothing admitted here (another process may have spent the window)', () => {
    expect(learn(new SuccessLog(), 0, 1_000).pace).toBeUndefined();
  });


  it.each([
    // first, window, until: the grid point the cooldown's end falls in, never the first window
    [0, 1_000, 1_834, 1_000],
    [0, 1_000, 1_050, 1_000],
    [0, 1_000, 2_500, 2_000],
    [300, 10_000, 10_050, 10_300],
  ])('starts the windows after a lesson on the server\'s phase: first %p, windows of %p, cooldown to %p: %p', (first, period, until, start) => {
    expect(gridAfter(first, period, until)).toBe(start);
  });

  it.each([
    // a cooldown that ended 0.81 of a window late keeps the server's phase; one 0.03 late starts at its end
    [0, 1_020, 1_834, 1_020],
    [0, 1_020, 1_050, undefined],
  ])('starts the windows on the server\'s phase only when the cooldown lagged it: first %p, windows of %p, until %p: %p', (first, period, until, start) => {
    expect(laggingStart(first, period, until)).toBe(start);
  });

  it('counts a success answered after the refusal', () => {
    const log = new SuccessLog();
    log.add(0);
    const lesson = admitLate(learn(log, 10, 1_010));
    expect(lesson.pace).toEqual({ capacity: 2, periodMs: 1_020 });
  });

  it('keeps a bounded log', () => {
    const log = new SuccessLog(3);
    [1, 2, 3, 4, 5].forEach((t) => log.add(t));
    expect(log.since(0, 10)).toEqual({ count: 3, first: 3 });
  });
});

describe('the memory store\'s pace', () => {
  it('keeps the window under way when a pace only grows: it never releases one window twice', () => {
    const store = memoryStore();
    store.setPace('k', { capacity: 2, periodMs: 1_000 });
    const spec = (capacity: number) => ({ capacity, refillPerMs: 0, periodMs: 1_000 });
    expect([0, 1, 2].map(() => store.take('k', 'pace', 1, spec(2), 0))).toEqual([{ ok: true }, { ok: true }, { ok: false, waitMs: 1_000 }]);
    store.setPace('k', { capacity: 3, periodMs: 1_000 });
    expect(store.take('k', 'pace', 1, spec(3), 10)).toEqual({ ok: false, waitMs: 990 });
    expect(store.take('k', 'pace', 1, spec(3), 1_000)).toEqual({ ok: true });
  });

  it('puts the windows where a lesson says they start, full, instead of at the first release', () => {
    const store = memoryStore();
    store.setPace('k', { capacity: 2, periodMs: 1_000 }, { windowStart: 1_000 });
    const spec = { capacity: 2, refillPerMs: 0, periodMs: 1_000 };
    // Released at 1,834 (a Retry-After of 1 s that ended late): the next window still starts at 2,000.
    expect([1_834, 1_834, 1_834].map((t) => store.take('k', 'pace', 1, spec, t))).toEqual([{ ok: true }, { ok: true }, { ok: false, waitMs: 166 }]);
    expect(store.take('k', 'pace', 1, spec, 2_000)).toEqual({ ok: true });
  });

  it('starts the windows afresh after a lesson that says nothing of where they start: at the first release after its cooldown', () => {
    const store = memoryStore();
    const spec = { capacity: 2, refillPerMs: 0, periodMs: 1_000 };
    store.setPace('k', { capacity: 2, periodMs: 1_000 });
    expect(store.take('k', 'pace', 1, spec, 0)).toEqual({ ok: true }); // windows on a grid from 0
    // Refused at 3,500 (the grid had drifted from the server's), the same pace taught; the cooldown ends at 4,300.
    store.setPace('k', { capacity: 2, periodMs: 1_000 }, { lessonAt: 3_500 });
    // On the old grid the next batch would go at 5,000, 700 ms after this one: inside the server's window.
    expect([4_300, 4_300, 4_300].map((t) => store.take('k', 'pace', 1, spec, t))).toEqual([{ ok: true }, { ok: true }, { ok: false, waitMs: 1_000 }]);
  });

  it('starts the windows afresh with a new window length', () => {
    const store = memoryStore();
    store.setPace('k', { capacity: 1, periodMs: 1_000 });
    store.take('k', 'pace', 1, { capacity: 1, refillPerMs: 0, periodMs: 1_000 }, 0);
    store.setPace('k', { capacity: 1, periodMs: 2_000 });
    expect(store.take('k', 'pace', 1, { capacity: 1, refillPerMs: 0, periodMs: 2_000 }, 10)).toEqual({ ok: true });
  });
});

describe('first-contact ramp', () => {
  /** Sends while the ramp allows at `now`; returns [round, sentAt] of each. */
  const fill = (ramp: Ramp, now: number): Array<[number, number]> => {
    const sent: Array<[number, number]> = [];
    while (ramp.wait(now) === 0) sent.push([ramp.send(now), now]);
    return sent;
  };

  it('doubles after a full, clean round', () => {
    const ramp = new Ramp(1);
    const sizes: number[] = [];
    for (let trip = 0, now = 0; trip < 4; trip++, now += 10) {
      const sent = fill(ramp, now);
      sizes.push(sent.length);
      sent.forEach(([round, at]) => ramp.settle(round, at, now + 10, true));
    }
    expect(sizes).toEqual([1, 2, 4, 8]);
  });

  it('does not grow after a round with a failure', () => {
    const ramp = new Ramp(4);
    fill(ramp, 0).forEach(([round, at], i) => ramp.settle(round, at, 10, i !== 2));
    expect(fill(ramp, 10)).toHaveLength(4);
  });

  it('stops waiting for a slow request: the round ends, growing as nothing was refused, and the next ones go', () => {
    const ramp = new Ramp(1);
    const [[round, at]] = fill(ramp, 0);
    expect(ramp.wait(0)).toBe(250);
    expect(ramp.wait(249)).toBe(1);
    expect(fill(ramp, 250)).toHaveLength(2);
    // The slow one answers at last: it was already counted, and changes nothing.
    ramp.settle(round, at, 5000, true);
    expect(ramp.wait(5000)).toBeGreaterThan(0);
  });

  it('learns the round trip: a request is waited for four of them, at least 50 ms', () => {
    const ramp = new Ramp(1);
    const [[round, at]] = fill(ramp, 0);
    ramp.settle(round, at, 20, true);
    expect(fill(ramp, 100)).toHaveLength(2);
    expect(ramp.wait(100)).toBe(80);
    expect(ramp.wait(180)).toBe(0);
  });

  it('never hands over to "no limit": past 32 it keeps growing by half while every round is clean', () => {
    const ramp = new Ramp(32);
    const sizes: number[] = [];
    for (let trip = 0, now = 0; trip < 4; trip++, now += 10) {
      const sent = fill(ramp, now);
      sizes.push(sent.length);
      sent.forEach(([round, at]) => ramp.settle(round, at, now + 5, true));
    }
    expect(sizes).toEqual([32, 48, 72, 108]);
  });

  it('keeps a round of thousands cheap: answers out of order, many per millisecond', () => {
    const ramp = new Ramp(4096);
    const sent = fill(ramp, 0);
    expect(sent).toHaveLength(4096);
    sent.reverse().forEach(([round, at]) => ramp.settle(round, at, 5, true));
    expect(ramp.roundSize).toBe(6144);
  });
});

describe('the release queue', () => {
  it('sweeps the requests that gave up out of its queue, so their configs and bodies can be freed', () => {
    const clock = { now: () => 0, random: () => 0.5, setTimeout: () => 0, clearTimeout: () => undefined };
    const owner = { admit: () => 1_000, enter: () => { throw new Error('nothing may go'); }, overtakes: () => false, blocked: () => undefined, released: () => undefined };
    const queue = new ReleaseQueue(owner, clock);
    const waiters = Array.from({ length: 200 }, () => ({ release: () => undefined }));
    waiters.forEach((w) => queue.push(w));
    waiters.slice(0, 150).forEach((w) => queue.abandon(w));
    expect(queue.held).toBe(50);
    // Without the sweep all 200 would stay queued until the cooldown ended.
    expect((queue as unknown as { queue: unknown[] }).queue.length).toBeLessThanOrEqual(100);
    expect(queue.waiting()).toHaveLength(50);
  });
});

describe('a learned pace that leaves the store', () => {
  it('hands the lane back to the ramp, never to "no limit"', () => {
    let now = 1_000_000;
    const clock = { now: () => now, random: () => 0.5, setTimeout: () => undefined, clearTimeout: () => undefined };
    const store = memoryStore();
    const settings = { cooldown: true, pacing: true, probing: undefined, insaneWaitCap: 60_000 };
    const lane = new Lane('k', settings, store, clock);
    // Two rounds of the ramp (4, then 8), the last answer a 429 with a wait: a pace is taught.
    const round = () => {
      const sent = [];
      for (let ticket = lane.tryEnter(now); ticket; ticket = lane.tryEnter(now)) sent.push(ticket);
      return sent;
    };
    round().forEach((t) => lane.settle(t, { kind: 'success' }));
    const second = round();
    expect(second).toHaveLength(8);
    second.slice(0, -1).forEach((t) => lane.settle(t, { kind: 'success' }));
    lane.settle(second[second.length - 1], { kind: 'rate-limited', wait: 1_000, status: 429 });
    expect(store.pace('k')).toBeDefined();
    now += 2_000;
    // The shared store's copy expired, or the processes that vouched for it died.
    store.setPace('k', undefined);
    const out: unknown[] = [];
    for (let i = 0; i < 100; i++) {
      const ticket = lane.tryEnter(now);
      if (!ticket) break;
      out.push(ticket);
    }
    expect(out).toHaveLength(4);
  });
});

describe('a refusal with the server\'s wait', () => {
  it('tells the store when it came, by the clock its cooldown is counted on, so that a shared store passes the wait on whole', () => {
    const now = 1_000_000;
    const clock = { now: () => now, random: () => 0.5, setTimeout: () => undefined, clearTimeout: () => undefined };
    const told: unknown[] = [];
    const memory = memoryStore();
    const store = { ...memory, setCooldown: (key: string, until: number, how?: unknown) => (told.push({ until, how }), memory.setCooldown(key, until)) };
    const lane = new Lane('k', { cooldown: true, pacing: true, probing: undefined, insaneWaitCap: 60_000 }, store, clock);
    lane.settle(lane.tryEnter(now)!, { kind: 'rate-limited', wait: 1_000, status: 429 });
    expect(told).toEqual([{ until: now + 1_000, how: { serverWait: true, at: now } }]);
  });
});

describe('what holds a lane\'s requests back, as the held event names it', () => {
  let now = 1_000_000;
  const clock = { now: () => now, random: () => 0.5, setTimeout: () => undefined, clearTimeout: () => undefined };
  /** A lane that tells of what it holds, with neither ramp nor pace: a probe holds what it holds. */
  const lane = (events: BackoffEvent[]) =>
    new Lane('k', { cooldown: true, pacing: false, probing: { threshold: 1, interval: 1_000 }, insaneWaitCap: 60_000 }, memoryStore(), clock, (e) => events.push(e));
  const heldReasons = (events: BackoffEvent[]) => events.flatMap((e) => (e.type === 'held' ? [e.reason] : []));

  it('probe, while an outage is probed', () => {
    const events: BackoffEvent[] = [];
    const l = lane(events);
    l.settle(l.tryEnter(now)!, { kind: 'unknown', wait: undefined });
    l.hold({ release: () => undefined });
    expect(heldReasons(events)).toEqual(['probe']);
  });

  it('probe, while one request tries again after a 429 that named no wait (the lane\'s own word for it never leaks)', () => {
    const events: BackoffEvent[] = [];
    const l = lane(events);
    l.settle(l.tryEnter(now)!, { kind: 'rate-limited', wait: undefined, status: 429 });
    l.hold({ release: () => undefined });
    now += 5_000; // past the backoff: the probe still goes first
    l.hold({ release: () => undefined });
    expect(heldReasons(events)).toEqual(['cooldown', 'probe']);
  });
});

describe('a refusal whose lesson a store refuses', () => {
  it('still holds the origin for the wait the server named: the cooldown is set before anything is learned', () => {
    const now = 1_000_000;
    const clock = { now: () => now, random: () => 0.5, setTimeout: () => undefined, clearTimeout: () => undefined };
    const store = { ...memoryStore(), setPace: () => { throw new RangeError('a pace this store cannot hold'); } };
    const lane = new Lane('k', { cooldown: true, pacing: true, probing: undefined, insaneWaitCap: 60_000 }, store, clock);
    const tickets = [0, 1, 2, 3].map(() => lane.tryEnter(now)!);
    tickets.slice(0, 3).forEach((t) => lane.settle(t, { kind: 'success' }));
    // Four admitted, the fifth refused for six days: the lesson is a measure, and the store refuses it.
    const fifth = lane.tryEnter(now) ?? lane.force(now);
    lane.settle(tickets[3], { kind: 'success' });
    expect(() => lane.settle(fifth, { kind: 'rate-limited', wait: 6 * 24 * 3_600_000, status: 429 })).toThrow(RangeError);
    expect(store.cooldownUntil('k')).toBe(now + 6 * 24 * 3_600_000);
  });
});
