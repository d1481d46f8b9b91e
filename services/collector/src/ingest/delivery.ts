/**
 * How many events browsers meant to send versus how many arrived. Each event carries its page
 * view's id and its position in it (seq 0, 1, 2, …), so the highest seq seen for a page says how
 * many events that page produced: gaps are events lost on the way.
 *
 * Memory is bounded by two generations of at most maxPages/2 pages each: when the current one is
 * full it becomes the previous one and the old previous one is dropped whole. This forgets the
 * oldest pages in O(1) without iterating a Map (V8 walks over the deleted slots at the front of a
 * Map on every `keys().next()`, which made per-entry eviction the hottest line of the collector).
 */
export class DeliveryTracker {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private readonly generationSize: number;
  received = 0;
  expected = 0;

  constructor(maxPages = 100_000) {
    if (!Number.isInteger(maxPages) || maxPages < 2) throw new RangeError('maxPages must be an integer ≥ 2');
    this.generationSize = maxPages >> 1;
  }

  /** Pages remembered now (at most maxPages). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /**
   * A batch's events, as parallel lists of page view id ('' for none) and position (-1 for none).
   * A page's events arrive together, so each run of one page costs one lookup, not one per event.
   */
  observeBatch(pageIds: readonly string[], seqs: readonly number[]): void {
    for (let j = 0; j < pageIds.length; ) {
      const page = pageIds[j]!;
      let highest = -1;
      let count = 0;
      for (; j < pageIds.length && pageIds[j] === page; j++) {
        if (seqs[j]! < 0) continue;
        count++;
        if (seqs[j]! > highest) highest = seqs[j]!;
      }
      if (page && count > 0) this.observe(page, highest, count);
    }
  }

  /** `count` events of page `pageId` arrived, the highest of them at position `seq`. */
  observe(pageId: string, seq: number, count = 1): void {
    this.received += count;
    let known = this.current.get(pageId);
    if (known === undefined) {
      known = this.previous.get(pageId);
      if (known === undefined) {
        this.expected += seq + 1;
        this.remember(pageId, seq);
        return;
      }
      // Still active: carry it into the current generation so it is not forgotten next.
      this.remember(pageId, Math.max(known, seq));
    } else if (seq > known) this.current.set(pageId, seq);
    if (seq > known) this.expected += seq - known;
  }

  /** Share of the events browsers produced that arrived; 1 when nothing was seen yet. */
  get ratio(): number {
    return this.expected === 0 ? 1 : Math.min(1, this.received / this.expected);
  }

  private remember(pageId: string, seq: number): void {
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(pageId, seq);
  }
}
