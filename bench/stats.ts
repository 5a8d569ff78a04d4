/** The median of the finite values (the mean of the middle two for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The index of the item whose key is the median (the lower middle for an even count). */
export function medianIndex<T>(items: readonly T[], key: (item: T) => number): number {
  // A missing measure (NaN) sorts last.
  const order = items.map((item, i) => ({ i, k: Number.isNaN(key(item)) ? Infinity : key(item) })).sort((a, b) => a.k - b.k);
  return order[(order.length - 1) >> 1]?.i ?? 0;
}

/** Requests per bucket, from arrival times in ms. */
export function perBucket(arrivals: readonly number[], bucketMs: number, buckets: number): number[] {
  const counts = new Array<number>(buckets).fill(0);
  for (const t of arrivals) {
    const b = Math.floor(t / bucketMs);
    if (b >= 0 && b < buckets) counts[b] += 1;
  }
  return counts;
}

/** The nearest-rank percentile (`p` in (0, 1]) of the finite values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
}
