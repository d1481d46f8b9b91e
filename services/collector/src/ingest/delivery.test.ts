import { describe, expect, it } from 'vitest';
import { addPageRun, DeliveryTracker, pageKey } from './delivery.js';

/** Events observed one at a time, by page view id. */
const see = (t: DeliveryTracker, pageId: string, seq: number) => t.observe(pageKey(pageId), seq);

describe('DeliveryTracker', () => {
  it('counts every event as delivered when sequences have no gaps', () => {
    const t = new DeliveryTracker();
    for (let seq = 0; seq < 5; seq++) see(t, 'page-a', seq);
    expect([t.received, t.expected, t.ratio]).toEqual([5, 5, 1]);
  });

  it('sees lost events as gaps in a page view\'s sequence, whatever the arrival order', () => {
    const t = new DeliveryTracker();
    see(t, 'page-a', 3);
    see(t, 'page-a', 0);
    see(t, 'page-b', 0);
    expect(t.expected).toBe(5); // page-a produced 0..3, page-b produced 0
    expect(t.received).toBe(3);
    expect(t.ratio).toBeCloseTo(0.6);
  });

  it('forgets the oldest pages beyond its bound', () => {
    const t = new DeliveryTracker(2);
    see(t, 'a', 0);
    see(t, 'b', 0);
    see(t, 'c', 0);
    see(t, 'a', 1); // a was forgotten: counted as a fresh page with two events
    expect(t.expected).toBe(5);
  });

  it('keeps a page that is still sending while older pages are forgotten', () => {
    const t = new DeliveryTracker(4); // two generations of two pages
    see(t, 'active', 0);
    see(t, 'b', 0);
    see(t, 'c', 0); // a new generation starts; active and b are the old one
    see(t, 'active', 1); // seen again: carried into the new generation
    see(t, 'd', 0); // another new generation: b is forgotten, active is not
    see(t, 'active', 2);
    expect(t.expected).toBe(6); // active 0..2, b, c, d — active was never counted afresh
    expect(t.ratio).toBe(1);
  });

  it('never remembers more than its bound, however many pages it sees', () => {
    const t = new DeliveryTracker(1000);
    for (let i = 0; i < 25_000; i++) see(t, `page-${i}`, 0);
    expect(t.size).toBeLessThanOrEqual(1000);
    expect(t.ratio).toBe(1);
  });

  it('keys pages by a 32-bit hash that is never 0 (an empty slot) and tells page ids apart', () => {
    const keys = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const key = pageKey(`0f3a9c1e-5b6a-4f8e-9c0d-${String(i).padStart(12, '0')}`);
      expect(key).not.toBe(0);
      expect(Number.isInteger(key) && key >= -(2 ** 31) && key < 2 ** 31).toBe(true);
      keys.add(key);
    }
    expect(keys.size).toBe(10_000);
    expect(pageKey('')).not.toBe(0);
  });

  it('takes a batch as runs of one page: the same counts as observing each event', () => {
    const events: Array<[string, number]> = [['p1', 0], ['p1', 2], ['p1', 1], ['p2', 0], ['p1', 4], ['p2', 1]];
    const runs: number[] = [];
    for (const [page, seq] of events) addPageRun(runs, pageKey(page), seq);
    expect(runs).toEqual([pageKey('p1'), 2, 3, pageKey('p2'), 0, 1, pageKey('p1'), 4, 1, pageKey('p2'), 1, 1]);
    const batched = new DeliveryTracker();
    batched.observeRuns(runs);
    const oneByOne = new DeliveryTracker();
    for (const [page, seq] of events) see(oneByOne, page, seq);
    expect([batched.received, batched.expected]).toEqual([oneByOne.received, oneByOne.expected]);
    expect([batched.received, batched.expected]).toEqual([6, 7]); // p1 0..4 with 3 lost, p2 0..1
  });

  it('keeps counting correctly across many generation swaps with keys that share table slots', () => {
    const t = new DeliveryTracker(64); // tables of 64 slots: keys k and k + 64 probe the same slot
    for (let round = 0; round < 50; round++) {
      for (let i = 1; i <= 32; i++) t.observe(round * 1000 + i * 64, 1, 2); // fresh page, events 0 and 1
    }
    expect([t.received, t.expected]).toEqual([50 * 32 * 2, 50 * 32 * 2]);
    expect(t.size).toBeLessThanOrEqual(64);
  });
});
