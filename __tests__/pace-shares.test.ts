import { PaceShares } from '../lib/redis/shares';

describe('pace shares across processes', () => {
  it('adds up what each process saw admitted in the same window', () => {
    const shares = new PaceShares();
    shares.set('o', 'a', { capacity: 7, periodMs: 1_040 }, 0);
    shares.set('o', 'b', { capacity: 3, periodMs: 1_050 }, 10);
    shares.set('o', 'c', { capacity: 3, periodMs: 1_030 }, 20);
    expect(shares.set('o', 'd', { capacity: 7, periodMs: 1_045 }, 30)).toEqual({ capacity: 20, periodMs: 1_050 });
  });

  it('replaces a process share rather than adding to it', () => {
    const shares = new PaceShares();
    shares.set('o', 'a', { capacity: 7, periodMs: 1_000 }, 0);
    expect(shares.set('o', 'a', { capacity: 8, periodMs: 1_000 }, 5)).toEqual({ capacity: 8, periodMs: 1_000 });
  });

  it('drops shares from an older lesson, more than a window before the newest', () => {
    const shares = new PaceShares();
    shares.set('o', 'a', { capacity: 10, periodMs: 1_000 }, 0);
    expect(shares.set('o', 'b', { capacity: 4, periodMs: 1_000 }, 5_000)).toEqual({ capacity: 4, periodMs: 1_000 });
  });

  it('keeps keys apart, and forgets a share set to undefined', () => {
    const shares = new PaceShares();
    shares.set('o', 'a', { capacity: 5, periodMs: 1_000 }, 0);
    shares.set('p', 'a', { capacity: 9, periodMs: 1_000 }, 0);
    expect(shares.set('o', 'a', undefined, 1)).toBeUndefined();
  });
});
