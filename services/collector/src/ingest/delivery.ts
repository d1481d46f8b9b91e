/**
 * How many events browsers meant to send versus how many arrived. Each event carries its page
 * view's id and its position in it (seq 0, 1, 2, …), so the highest seq seen for a page says how
 * many events that page produced: gaps are events lost on the way. Memory is bounded by
 * forgetting the oldest pages first.
 */
export class DeliveryTracker {
  private readonly maxSeq = new Map<string, number>();
  received = 0;
  expected = 0;

  constructor(private readonly maxPages = 100_000) {}

  observe(pageId: string, seq: number): void {
    this.received++;
    const known = this.maxSeq.get(pageId);
    if (known === undefined) {
      this.expected += seq + 1;
      if (this.maxSeq.size >= this.maxPages) this.maxSeq.delete(this.maxSeq.keys().next().value!);
      this.maxSeq.set(pageId, seq);
    } else if (seq > known) {
      this.expected += seq - known;
      this.maxSeq.set(pageId, seq);
    }
  }

  /** Share of the events browsers produced that arrived; 1 when nothing was seen yet. */
  get ratio(): number {
    return this.expected === 0 ? 1 : Math.min(1, this.received / this.expected);
  }
}
