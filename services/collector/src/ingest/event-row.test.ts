import { describe, expect, it } from 'vitest';
import { validateEvent, type EventInput } from '@spur/protocol';
import { dateTime64, eventColumns, eventRow, requestColumns, type EventFacts, type RequestFacts } from './event-row.js';

const request: RequestFacts = {
  siteId: 'shop',
  sentAt: 1_767_225_600_123,
  receivedAt: 1_767_225_600_456,
  visitorId: '18446744073709551615',
  browser: 'Chrome',
  browserVersion: '131.0',
  os: 'Windows',
  device: 'desktop',
  isBot: false,
  sdk: 'spur-js/0.1.0',
};

const facts: EventFacts = {
  ts: 1_767_225_600_001,
  channel: 'organic_search', // the event's own; the row carries its session's
  userId: '',
  url: 'https://shop.example/p/1',
  hostname: 'shop.example',
  path: '/p/1',
  referrer: '',
  referrerHost: '',
  utmSource: '',
  utmMedium: '',
  utmCampaign: '',
  utmTerm: '',
  utmContent: '',
  clickId: '',
};

const base = { id: '0b9e8a52-4a43-4c2b-9a57-4a1a4c0f6a11', ts: 1_767_225_600_000, url: 'https://shop.example/p/1' };

function row(input: EventInput, eventFacts: Partial<EventFacts> = {}, requestFacts: Partial<RequestFacts> = {}): Record<string, unknown> {
  const checked = validateEvent(input);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const line = eventRow('42', 'direct', requestColumns({ ...request, ...requestFacts }), eventColumns(checked.value, { ...facts, ...eventFacts }));
  expect(line).not.toContain('\n'); // one event, one JSONEachRow line
  return JSON.parse(line) as Record<string, unknown>;
}

describe('eventRow: one accepted event as a JSONEachRow line for spur.events', () => {
  it('writes the columns every event has, timestamps as seconds.millis, the session\'s channel', () => {
    expect(row({ ...base, type: 'page_view' })).toEqual({
      event_id: base.id,
      type: 'page_view',
      ts: '1767225600.001',
      client_ts: '1767225600.000',
      session_id: '42',
      site_id: 'shop',
      sent_at: '1767225600.123',
      received_at: '1767225600.456',
      visitor_id: '18446744073709551615',
      browser: 'Chrome',
      browser_version: '131.0',
      os: 'Windows',
      device: 'desktop',
      sdk: 'spur-js/0.1.0',
      url: 'https://shop.example/p/1',
      hostname: 'shop.example',
      path: '/p/1',
      channel: 'direct',
    });
  });

  it('leaves out columns whose value is their default, and writes the optional ones that are set', () => {
    const pageId = '7d3f1c2e-5b6a-4f8e-9c0d-1a2b3c4d5e6f';
    const r = row(
      { ...base, type: 'page_view', page_id: pageId, seq: 3, title: 'Shoes', props: { variant: 'B', step: 2, beta: true } },
      { userId: 'u-1', referrer: 'https://www.google.com/', referrerHost: 'www.google.com', utmSource: 'news', utmMedium: 'email', utmCampaign: 'nov', utmTerm: 't', utmContent: 'c', clickId: 'gclid' },
      { isBot: true, browserVersion: '', sdk: '' },
    );
    expect(r).toMatchObject({
      page_id: pageId,
      seq: 3,
      title: 'Shoes',
      props: { variant: 'B', step: '2', beta: 'true' },
      user_id: 'u-1',
      referrer: 'https://www.google.com/',
      referrer_host: 'www.google.com',
      utm_source: 'news',
      utm_medium: 'email',
      utm_campaign: 'nov',
      utm_term: 't',
      utm_content: 'c',
      click_id: 'gclid',
      is_bot: true,
    });
    expect(r).not.toHaveProperty('browser_version');
    expect(r).not.toHaveProperty('sdk');
    expect(row({ ...base, type: 'page_view', seq: 0 })).not.toHaveProperty('seq');
  });

  it('escapes free text from the page, so quotes, newlines and control characters cannot break the line', () => {
    const nasty = 'He said "hi"\n\t\\ \u0000 \u2028 <script>';
    const r = row(
      { ...base, type: 'click', title: nasty, element: { tag: 'a', text: nasty, selector: 'a[href="x"]', id: 'x"y', classes: ['a"b'], href: 'https://x/"', attrs: { 'k"': nasty } } },
      { url: 'https://shop.example/a"b', path: '/a"b' },
    );
    expect(r).toMatchObject({
      title: nasty,
      url: 'https://shop.example/a"b',
      path: '/a"b',
      element_tag: 'a',
      element_text: nasty,
      element_selector: 'a[href="x"]',
      element_id: 'x"y',
      element_classes: ['a"b'],
      element_href: 'https://x/"',
      element_attrs: { 'k"': nasty },
    });
  });

  it('writes each event type\'s own columns', () => {
    expect(row({ ...base, type: 'search', query: 'rote "Schuhe"', results: 0 })).toMatchObject({ search_query: 'rote "Schuhe"', search_results: 0 });
    expect(row({ ...base, type: 'search', query: 'x' })).not.toHaveProperty('search_results');
    expect(row({ ...base, type: 'custom', name: 'newsletter:signup' })).toMatchObject({ name: 'newsletter:signup' });
    const items = [{ item_id: 'sku-1', item_name: 'Schuh', price: 59.9, quantity: 2 }];
    expect(row({ ...base, type: 'purchase', items, currency: 'EUR', value: 119.8, transaction_id: 'T-1' })).toMatchObject({
      items,
      currency: 'EUR',
      value: 119.8,
      transaction_id: 'T-1',
    });
    // quantity defaults to 1; a cart view may be empty
    expect(row({ ...base, type: 'add_to_cart', items: [{ item_id: 'sku-2' }] })).toMatchObject({ items: [{ item_id: 'sku-2', quantity: 1 }] });
    expect(row({ ...base, type: 'view_cart' })).toMatchObject({ items: [] });
  });

  it('formats DateTime64(3) values exactly, including small millisecond parts', () => {
    expect(dateTime64(1_767_225_600_000)).toBe('1767225600.000');
    expect(dateTime64(1_767_225_600_007)).toBe('1767225600.007');
    expect(dateTime64(1_767_225_600_070)).toBe('1767225600.070');
    expect(dateTime64(1_767_225_600_999)).toBe('1767225600.999');
  });
});
