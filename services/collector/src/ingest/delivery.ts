/**
 * How many events browsers meant to send versus how many arrived. Each event carries its page
 * view's id and its position in it (seq 0, 1, 2, …), so the highest seq seen for a page says how
 * many events that page produced: gaps are events lost on the way.
 *
 * Pages are keyed by a 32-bit hash of their id (pageKey), computed where the batch is prepared,
 * so the main thread receives a few numbers per batch instead of one string per event, and
 * remembers them in preallocated typed arrays instead of a Map of strings: nothing is allocated
 * per page, and nothing the garbage collector has to copy or promote. Two page views whose keys
 * collide count as one; among the 100,000 pages remembered that is about one pair, a negligible
 * error for a delivery ratio.
 *
 * Memory is bounded by two generations of at most maxPages/2 pages each: when the current one is
 * full it becomes the previous one and the old previous one is cleared whole. This forgets the
 * oldest pages in O(1) per page without tracking their age.
 */
export class DeliveryTracker {
  private current: PageTable;
  private previous: PageTable;
  private readonly generationSize: number;
  received = 0;
  expected = 0;

  constructor(maxPages = 100_000) {
    if (!Number.isInteger(maxPages) || maxPages < 2) throw new RangeError('maxPages must be an integer ≥ 2');
    this.generationSize = maxPages >> 1;
    this.current = new PageTable(this.generationSize);
    this.previous = new PageTable(this.generationSize);
  }

  /** Pages remembered now (at most maxPages). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** A batch's page runs as addPageRun built them: [key, highest seq, event count] triples. */
  observeRuns(runs: readonly number[]): void {
    for (let i = 0; i + 2 < runs.length; i += 3) this.observe(runs[i]!, runs[i + 1]!, runs[i + 2]!);
  }

  /** `count` events of the page keyed `key` (pageKey) arrived, the highest of them at position `seq`. */
  observe(key: number, seq: number, count = 1): void {
    this.received += count;
    const slot = this.current.find(key);
    if (slot >= 0) {
      const known = this.current.seqs[slot]!;
      if (seq > known) {
        this.current.seqs[slot] = seq;
        this.expected += seq - known;
      }
      return;
    }
    const old = this.previous.find(key);
    if (old < 0) {
      this.expected += seq + 1;
      this.remember(key, seq);
      return;
    }
    // Still active: carry it into the current generation so it is not forgotten next.
    const known = this.previous.seqs[old]!;
    if (seq > known) this.expected += seq - known;
    this.remember(key, Math.max(known, seq));
  }

  /** Share of the events browsers produced that arrived; 1 when nothing was seen yet. */
  get ratio(): number {
    return this.expected === 0 ? 1 : Math.min(1, this.received / this.expected);
  }

  private remember(key: number, seq: number): void {
    if (this.current.size >= this.generationSize) {
      const cleared = this.previous;
      cleared.clear();
      this.previous = this.current;
      this.current = cleared;
    }
    this.current.insert(key, seq);
  }
}

/** The tracker's key for a page view id: FNV-1a over its UTF-16 code units, never 0. */
export function pageKey(pageId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < pageId.length; i++) h = Math.imul(h ^ pageId.charCodeAt(i), 0x01000193);
  return h === 0 ? 1 : h | 0;
}

/**
 * Appends an event of page `key` at position `seq` to `runs` ([key, highest seq, count] triples):
 * a page's events arrive together, so consecutive events of one page make one run.
 */
export function addPageRun(runs: number[], key: number, seq: number): void {
  const last = runs.length - 3;
  if (last >= 0 && runs[last] === key) {
    if (seq > runs[last + 1]!) runs[last + 1] = seq;
    runs[last + 2]!++;
  } else runs.push(key, seq, 1);
}

/** Open addressing with linear probing, at most half full; key 0 marks an empty slot. */
class PageTable {
  readonly keys: Int32Array;
  readonly seqs: Int32Array;
  private readonly mask: number;
  size = 0;

  constructor(maxSize: number) {
    let capacity = 16;
    while (capacity < 2 * maxSize) capacity *= 2;
    this.keys = new Int32Array(capacity);
    this.seqs = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Slot holding `key`, or -1. */
  find(key: number): number {
    for (let i = key & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === key) return i;
      if (k === 0) return -1;
    }
  }

  /** Adds a key that find() did not find. */
  insert(key: number, seq: number): void {
    let i = key & this.mask;
    while (this.keys[i] !== 0) i = (i + 1) & this.mask;
    this.keys[i] = key;
    this.seqs[i] = seq;
    this.size++;
  }

  clear(): void {
    this.keys.fill(0);
    this.size = 0;
  }
}
