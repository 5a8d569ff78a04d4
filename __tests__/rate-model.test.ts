import { SANE_WAIT } from '../lib/coordination/lane-types';
import { PaceLearner, paceAt, rateOf, windowLength } from '../lib/coordination/pace';
import { BETA, RateCurve, SendMeter } from '../lib/coordination/rate';

describe('the cubic curve after a refusal', () => {
  it('starts at its floor, is back at the refused rate after K seconds, and climbs past it after', () => {
    const curve = new RateCurve(20, 14, 0);
    expect(curve.rateAt(0)).toBe(14);
    // K = cbrt(20 × 0.3 / 0.4) ≈ 2.47 s
    expect(curve.rateAt(2_466)).toBeCloseTo(20, 1);
    expect(curve.rateAt(4_000)).toBeGreaterThan(21);
    expect(curve.rateAt(10_000)).toBeGreaterThan(100);
  });

  it('never goes below its floor', () => {
    const curve = new RateCurve(20, 20, 0);
    for (let t = 0; t < 5_000; t += 250) expect(curve.rateAt(t)).toBeGreaterThanOrEqual(20);
  });
});

describe('the send meter', () => {
  it('measures requests per second over half-second buckets, smoothed', () => {
    const meter = new SendMeter();
    for (let t = 0; t < 2_000; t += 50) meter.sent(t);
    expect(meter.rate(2_000)).toBeCloseTo(20, 0);
  });

  it('falls when nothing is sent: an idle client measures little', () => {
    const meter = new SendMeter();
    for (let t = 0; t < 1_000; t += 10) meter.sent(t);
    expect(meter.rate(5_000)).toBeLessThan(1);
  });
});

describe('a pace at a rate', () => {
  it.each([
    [20, undefined, { capacity: 5, periodMs: 250 }],
    [2, undefined, { capacity: 1, periodMs: 500 }],
    [0.1, undefined, { capacity: 1, periodMs: 2_000 }],
    [20, 1_000, { capacity: 20, periodMs: 1_000 }],
  ])('%p req/s in windows of %p ms', (rate, period, pace) => {
    expect(paceAt(rate, period)).toEqual(pace);
  });
});

/** A learner that saw `admitted` successes sent evenly over the second before `at`. */
function learnerThatSent(admitted: number, at: number): PaceLearner {
  const learner = new PaceLearner();
  for (let i = 0; i < admitted; i++) {
    const sentAt = at - 1_000 + (i * 1_000) / admitted;
    learner.sent(sentAt);
    learner.succeeded(sentAt, sentAt + 1, undefined);
  }
  return learner;
}

describe('what a refusal with a wait teaches', () => {
  it('learns what the window admitted, until when', () => {
    const learner = learnerThatSent(20, 10_000);
    expect(learner.limited(1_000, 10_000, 10_000, undefined)).toEqual({ capacity: 20, periodMs: expect.any(Number) });
  });

  it('takes a refusal after a few requests as a lower bound, never the limit: it falls to BETA of the last pace at most', () => {
    const learner = learnerThatSent(1, 10_000);
    const pace = learner.limited(1_000, 10_000, 10_000, { capacity: 40, periodMs: 1_000 });
    // BETA of 40 a second, in whole requests per window.
    expect(rateOf(pace!)).toBeGreaterThan(BETA * 40 - 1);
    expect(rateOf(pace!)).toBeLessThanOrEqual(BETA * 40);
  });

  it('learns no pace from one request refused after another client spent the window: a lower bound, never the limit', () => {
    const learner = learnerThatSent(1, 10_000);
    expect(learner.limited(1_000, 10_000, 10_000, undefined)).toBeUndefined();
  });

  it('teaches one lesson a window: the rest of the burst only confirms it', () => {
    const learner = learnerThatSent(20, 10_000);
    const pace = learner.limited(1_000, 10_000, 10_000, undefined);
    expect(learner.limited(990, 9_999, 10_010, pace)).toBeUndefined();
  });
});

describe('a share of a lesson, with a store shared between processes', () => {
  it('counts what was still on its way when another process\' refusal came: each answer adds one to its share', () => {
    const learner = new PaceLearner(true);
    for (const t of [9_900, 9_910, 9_920]) learner.sent(t);
    // Another process was refused at 10 000 until 11 000; none of this one's answers had come.
    expect(learner.limited(1_000, -Infinity, 10_000, undefined)).toBeUndefined();
    expect(learner.succeeded(9_900, 10_050, undefined)).toEqual({ capacity: 1, periodMs: expect.any(Number) });
    expect(learner.lessonAt).toBe(10_000);
    learner.succeeded(9_910, 10_060, undefined);
    expect(learner.succeeded(9_920, 10_070, undefined)).toMatchObject({ capacity: 3 });
    // Sent after the refusal: no part of that window.
    expect(learner.succeeded(10_100, 10_150, undefined)).toBeUndefined();
  });

  it('in one process, counts none of it: a few answers after a refusal that taught nothing are no measure', () => {
    const learner = new PaceLearner();
    learner.sent(9_900);
    expect(learner.limited(1_000, 9_900, 10_000, undefined)).toBeUndefined();
    expect(learner.succeeded(9_900, 10_050, undefined)).toBeUndefined();
  });
});

describe('what a refusal without a wait teaches', () => {
  it('falls to BETA of what the server admitted in the last second (not of all that a burst sent), once for the requests already out', () => {
    const learner = new PaceLearner();
    for (let t = 0; t < 2_000; t += 5) learner.sent(t);
    for (let t = 1_000; t < 2_000; t += 10) learner.succeeded(t, t + 1, undefined);
    const pace = learner.limited(undefined, 1_990, 2_000, undefined);
    expect(rateOf(pace!)).toBeCloseTo(BETA * 100, -1);
    // Another refusal of a request sent before the cut changes nothing.
    expect(learner.limited(undefined, 1_995, 2_001, pace)).toBeUndefined();
  });

  it('learns nothing when nothing was admitted and nothing is known: the ramp starts again', () => {
    const learner = new PaceLearner();
    learner.sent(0);
    expect(learner.limited(undefined, 0, 10, undefined)).toBeUndefined();
  });

  it('takes at most BETA off the last pace, however little was sent lately', () => {
    const learner = new PaceLearner();
    learner.sent(0);
    const pace = learner.limited(undefined, 0, 10, { capacity: 50, periodMs: 1_000 });
    expect(rateOf(pace!)).toBeCloseTo(BETA * 50, 0);
  });
});

describe('a learned pace over time', () => {
  it('climbs back while the client sends at it, and is never dropped at once', () => {
    const learner = learnerThatSent(20, 10_000);
    let pace = learner.limited(1_000, 10_000, 10_000, undefined)!;
    const capacities: number[] = [];
    for (let t = 11_000; t < 81_000; t += 10) {
      learner.sent(t);
      pace = learner.succeeded(t, t + 1, pace) ?? pace;
      if (t % 10_000 === 1_000) capacities.push(pace.capacity);
    }
    // Flat near the limit for a few seconds, then climbing, each step up from the last.
    expect(capacities[0]).toBe(20);
    for (let i = 1; i < capacities.length; i++) expect(capacities[i]).toBeGreaterThanOrEqual(capacities[i - 1]);
    expect(capacities[capacities.length - 1]).toBeGreaterThan(20);
  });

  it('grows by a tenth of itself a window at most, however steep the curve has become', () => {
    const learner = learnerThatSent(20, 10_000);
    const pace = learner.limited(1_000, 10_000, 10_000, undefined)!;
    for (let t = 11_000; t < 70_000; t += 10) learner.sent(t);
    const grown = learner.succeeded(70_000, 70_001, pace);
    expect(grown?.capacity).toBe(pace.capacity + 2);
  });

  it('climbs back freely to the rate last refused after a cut, and carefully past it', () => {
    const learner = new PaceLearner();
    for (let t = 0; t < 1_000; t += 10) learner.succeeded(t, t + 1, undefined);
    let pace = learner.limited(undefined, 990, 1_000, { capacity: 40, periodMs: 250 })!;
    expect(pace.capacity).toBe(28);
    const steps: number[] = [];
    for (let t = 1_000; t < 12_000; t += 5) {
      learner.sent(t);
      pace = learner.succeeded(t, t + 1, pace) ?? pace;
      if (t % 1_000 === 0) steps.push(pace.capacity);
    }
    // Back at 40 when the curve is (K = cbrt(160 req/s × 0.3 / 0.4) ≈ 4.9 s), then a tenth a window past it.
    expect(steps.findIndex((c) => c >= 40)).toBeLessThanOrEqual(5);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeLessThanOrEqual(Math.max(40, Math.ceil(steps[i - 1] * 1.1 ** 4)));
  });

  it('takes a refusal after the pace grew past the last lesson as a measure: back to what the window admitted', () => {
    const learner = learnerThatSent(10, 10_000);
    learner.limited(1_000, 10_000, 10_000, undefined);
    for (let i = 0; i < 10; i++) learner.succeeded(15_000 + i, 15_001 + i, undefined);
    const after = learner.limited(1_000, 15_050, 15_050, { capacity: 22, periodMs: 1_020 });
    expect(after?.capacity).toBe(10);
  });

  it('climbs no faster than twice the rate actually sent: an idle client does not grow a pace it never used', () => {
    const learner = learnerThatSent(20, 10_000);
    const pace = learner.limited(1_000, 10_000, 10_000, undefined)!;
    // One request a second for a minute, then a success: the pace stays at what the server admitted.
    for (let t = 11_000; t < 70_000; t += 1_000) learner.sent(t);
    expect(learner.succeeded(70_000, 70_001, pace)).toBeUndefined();
  });
});

describe('lessons and paces worked out, for processes that share a store', () => {
  it('says which paces are what this process saw a window admit (its share of the lesson of a refusal, and when it came) and which are the whole pace', () => {
    const learner = learnerThatSent(20, 10_000);
    const lesson = learner.limited(1_000, 10_000, 10_000, undefined)!;
    expect(learner.lessonAt).toBe(10_000);
    // A bare 429 cuts the pace in force: the whole of it, not a share.
    learner.limited(undefined, 12_000, 12_000, lesson);
    expect(learner.lessonAt).toBeUndefined();
    learner.sent(12_500);
    learner.succeeded(12_500, 12_501, lesson);
    expect(learner.lessonAt).toBeUndefined();
  });

  it('never lowers a pace on a success: one in force above its curve (other processes\' lessons added up) stands', () => {
    const learner = learnerThatSent(5, 10_000);
    learner.limited(1_000, 10_000, 10_000, undefined);
    for (let t = 11_000; t < 14_000; t += 50) learner.sent(t);
    // This process saw 5 a window; the four processes' lessons add up to 20.
    expect(learner.succeeded(14_000, 14_001, { capacity: 20, periodMs: 1_020 })).toBeUndefined();
  });
});

describe('a limit that is really low', () => {
  it('takes two lessons of too few in a row (within three windows) as the limit, not as someone else spending the window', () => {
    const learner = new PaceLearner();
    for (let i = 0; i < 2; i++) {
      learner.sent(10_000 + i);
      learner.succeeded(10_000 + i, 10_001 + i, undefined);
    }
    expect(learner.limited(1_000, 10_010, 10_010, undefined)).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      learner.sent(11_100 + i);
      learner.succeeded(11_100 + i, 11_101 + i, undefined);
    }
    expect(learner.limited(900, 11_110, 11_110, undefined)).toEqual({ capacity: 2, periodMs: expect.any(Number) });
  });

  it('learns no window longer than the longest wait believed, however long the ban', () => {
    expect(windowLength(0, 10, 30 * 24 * 3_600_000)).toBeLessThanOrEqual(SANE_WAIT);
  });
});
