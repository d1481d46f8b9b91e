import { describe, expect, it, vi } from 'vitest';
import { Batch, LIMITS, validateEnvelope, validateEvent, type EventInput } from './index.js';

const base = {
  id: '0b5e8c1e-7a52-4d3c-9a61-1f0e2b3c4d5e',
  ts: 1_767_225_600_000,
  url: 'https://shop.example/category/shoes?utm_source=newsletter',
};

describe('the v1 event', () => {
  it('accepts each event type in its documented shape', () => {
    const events: EventInput[] = [
      { ...base, type: 'page_view', title: 'Shoes', referrer: 'https://www.google.com/' },
      { ...base, type: 'click', element: { tag: 'a', text: 'Sale', selector: 'nav>a:nth-of-type(2)', href: '/sale', attrs: { slot: 'top' } } },
      { ...base, type: 'search', query: 'red shoes', results: 0 },
      { ...base, type: 'view_item', items: [{ item_id: 'SKU-1', item_name: 'Runner', price: 89.9 }] },
      { ...base, type: 'add_to_cart', currency: 'EUR', value: 179.8, items: [{ item_id: 'SKU-1', price: 89.9, quantity: 2 }] },
      { ...base, type: 'remove_from_cart', items: [{ item_id: 'SKU-1' }] },
      { ...base, type: 'view_cart', items: [] },
      { ...base, type: 'begin_checkout', currency: 'EUR', value: 89.9, items: [{ item_id: 'SKU-1' }] },
      { ...base, type: 'purchase', transaction_id: 'T-1001', currency: 'EUR', value: 89.9, items: [{ item_id: 'SKU-1' }] },
      { ...base, type: 'custom', name: 'newsletter_signup', props: { list: 'weekly', step: 2, confirmed: true } },
    ];
    for (const event of events) expect(validateEvent(event), event.type).toMatchObject({ ok: true });
  });

  it('fills defaults a client may leave out', () => {
    const result = validateEvent({ ...base, type: 'add_to_cart', items: [{ item_id: 'SKU-1' }] });
    expect(result.ok && result.value.type === 'add_to_cart' && result.value.items[0]?.quantity).toBe(1);
  });

  it('names the offending field in each error', () => {
    const result = validateEvent({ ...base, type: 'add_to_cart', currency: 'euro', items: [{ item_id: 'A', price: 'x' }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual(['currency', 'items.0.price']);
  });

  it('refuses an unknown type, a missing id, a relative URL and a purchase without transaction id', () => {
    expect(validateEvent({ ...base, type: 'teleport' }).ok).toBe(false);
    expect(validateEvent({ ...base, id: 'not-a-uuid', type: 'page_view' }).ok).toBe(false);
    expect(validateEvent({ ...base, url: '/relative', type: 'page_view' }).ok).toBe(false);
    expect(validateEvent({ ...base, url: 'javascript:alert(1)', type: 'page_view' }).ok).toBe(false);
    expect(validateEvent({ ...base, type: 'purchase', items: [] }).ok).toBe(false);
  });

  it('checks every URL, however the ones before it fared', async () => {
    // isHttpUrl remembers the last valid URL: neither that nor a first call may let anything else
    // by. A fresh copy of the module, so that '' really is the first URL it sees.
    vi.resetModules();
    const fresh = (await import('./index.js')).validateEvent;
    for (const url of ['', 'https://shop.example/a', '', 'https://shop.example/a', 'ftp://x/', 'https://shop.example/a']) {
      expect(fresh({ ...base, url, type: 'page_view' }).ok, url).toBe(url.startsWith('https://'));
    }
  });

  it('bounds strings, maps and lists', () => {
    const long = 'x'.repeat(LIMITS.maxElementTextLength + 1);
    expect(validateEvent({ ...base, type: 'click', element: { tag: 'a', text: long } }).ok).toBe(false);
    const props = Object.fromEntries(Array.from({ length: LIMITS.maxProps + 1 }, (_, i) => [`k${i}`, i]));
    expect(validateEvent({ ...base, type: 'page_view', props }).ok).toBe(false);
    expect(validateEvent({ ...base, type: 'page_view', props: { nested: { a: 1 } } }).ok).toBe(false);
    const items = Array.from({ length: LIMITS.maxItems + 1 }, (_, i) => ({ item_id: `S${i}` }));
    expect(validateEvent({ ...base, type: 'view_cart', items }).ok).toBe(false);
  });

  it('strips unknown keys so newer clients still get their events in', () => {
    const result = validateEvent({ ...base, type: 'page_view', future_field: 1 });
    expect(result.ok && 'future_field' in result.value).toBe(false);
  });
});

describe('the v1 envelope', () => {
  const envelope = { site: 'demo', sent_at: base.ts, events: [{ anything: true }] };

  it('checks the envelope without looking into events', () => {
    expect(validateEnvelope(envelope).ok).toBe(true);
  });

  it('needs 1 to 500 events and a well-formed site id', () => {
    expect(validateEnvelope({ ...envelope, events: [] }).ok).toBe(false);
    expect(validateEnvelope({ ...envelope, events: Array(LIMITS.maxEventsPerBatch + 1).fill({}) }).ok).toBe(false);
    expect(validateEnvelope({ ...envelope, site: 'Demo Shop' }).ok).toBe(false);
    expect(validateEnvelope({ ...envelope, sent_at: '2026-01-01' }).ok).toBe(false);
  });

  it('parses a full batch in one go for clients that want all-or-nothing', () => {
    expect(Batch.safeParse({ ...envelope, events: [{ ...base, type: 'page_view' }] }).success).toBe(true);
  });
});
