/**
 * Per-key token buckets: `ratePerSecond` tokens refill continuously up to a burst of one
 * second's worth. Bounded: the least recently refilled keys are forgotten first.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `cost` tokens; false (and nothing taken) when there are not enough. */
  take(key: string, cost: number): boolean {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.ratePerSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
      bucket.at = now;
      this.buckets.delete(key); // re-insert: Map order is our recency order
    } else {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.ratePerSecond, at: now };
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }
}
