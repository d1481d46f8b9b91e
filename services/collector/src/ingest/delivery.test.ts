import { describe, expect, it } from 'vitest';
import { DeliveryTracker } from './delivery.js';

describe('DeliveryTracker', () => {
  it('counts every event as delivered when sequences have no gaps', () => {
    const t = new DeliveryTracker();
    for (let seq = 0; seq < 5; seq++) t.observe('page-a', seq);
    expect([t.received, t.expected, t.ratio]).toEqual([5, 5, 1]);
  });

  it('sees lost events as gaps in a page view\'s sequence, whatever the arrival order', () => {
    const t = new DeliveryTracker();
    t.observe('page-a', 3);
    t.observe('page-a', 0);
    t.observe('page-b', 0);
    expect(t.expected).toBe(5); // page-a produced 0..3, page-b produced 0
    expect(t.received).toBe(3);
    expect(t.ratio).toBeCloseTo(0.6);
  });

  it('forgets the oldest pages beyond its bound', () => {
    const t = new DeliveryTracker(2);
    t.observe('a', 0);
    t.observe('b', 0);
    t.observe('c', 0);
    t.observe('a', 1); // a was forgotten: counted as a fresh page with two events
    expect(t.expected).toBe(5);
  });

  it('keeps a page that is still sending while older pages are forgotten', () => {
    const t = new DeliveryTracker(4); // two generations of two pages
    t.observe('active', 0);
    t.observe('b', 0);
    t.observe('c', 0); // a new generation starts; active and b are the old one
    t.observe('active', 1); // seen again: carried into the new generation
    t.observe('d', 0); // another new generation: b is forgotten, active is not
    t.observe('active', 2);
    expect(t.expected).toBe(6); // active 0..2, b, c, d — active was never counted afresh
    expect(t.ratio).toBe(1);
  });

  it('never remembers more than its bound, however many pages it sees', () => {
    const t = new DeliveryTracker(1000);
    for (let i = 0; i < 25_000; i++) t.observe(`page-${i}`, 0);
    expect(t.size).toBeLessThanOrEqual(1000);
    expect(t.ratio).toBe(1);
  });
});
