import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { startClickHouse, type EmbeddedClickHouse } from '@spur/clickhouse-embedded';
import { validateEvent, type EventInput } from '@spur/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../clickhouse/migrate.js';
import { RECORD_KINDS } from '../pipeline/records.js';
import { dateTime64, EVENT_ROW_COLUMNS, writeEventColumns, writeRequestColumns, writeSessionColumns, type EventFacts, type RequestFacts } from './event-row.js';
import { RowBinaryWriter } from './row-binary.js';

// Every row is written, inserted into a real spur.events as the shipper inserts it, and read
// back: what ClickHouse stores is the specification, not the bytes.

let clickhouse: EmbeddedClickHouse;
let client: ClickHouseClient;

beforeAll(async () => {
  clickhouse = await startClickHouse();
  client = createClient({ url: clickhouse.url, log: { level: ClickHouseLogLevel.OFF } });
  await migrate(client, { database: 'spur', retentionDays: 395 });
});
afterAll(async () => {
  await client?.close();
  await clickhouse?.stop();
});

// Times relative to today: rows older than the retention (the table's TTL) are dropped on insert.
const DAY = Math.floor(Date.now() / 86_400_000) * 86_400_000;
/** How ClickHouse prints a DateTime64(3, 'UTC'). */
const printed = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const request: RequestFacts = {
  siteId: 'shop',
  sentAt: DAY + 123,
  receivedAt: DAY + 456,
  visitorId: '18446744073709551615',
  browser: 'Chrome',
  browserVersion: '131.0',
  os: 'Windows',
  device: 'desktop',
  isBot: false,
  sdk: 'spur-js/0.1.0',
};

const facts: EventFacts = {
  ts: DAY + 1,
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

let n = 0;
const nextId = () => `0b9e8a52-4a43-4c2b-9a57-${String(++n).padStart(12, '0')}`;

/** Writes the event as one row (session 42, channel direct), inserts it and reads it back. */
async function row(input: { type: EventInput['type'] } & Record<string, unknown>, eventFacts: Partial<EventFacts> = {}, requestFacts: Partial<RequestFacts> = {}) {
  const id = nextId();
  const checked = validateEvent({ id, ts: DAY, url: 'https://shop.example/p/1', ...input });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const w = new RowBinaryWriter(16); // small, so the tests also cover growing it
  writeSessionColumns(w, { idLow: 42, idHigh: 0, channel: 'direct' });
  writeRequestColumns(w, { ...request, ...requestFacts });
  writeEventColumns(w, checked.value, { ...facts, ...eventFacts });
  const kind = RECORD_KINDS.b;
  const inserted = await client.exec({
    query: `INSERT INTO spur.events (${kind.columns.join(', ')}) FORMAT ${kind.format}`,
    values: Readable.from([w.copy()]),
    clickhouse_settings: { insert_deduplicate: 0 },
  });
  await drain(inserted.stream); // frees the connection for the next insert
  const result = await client.query({
    query: 'SELECT * EXCEPT (value), if(isNull(value), NULL, toString(value)) AS value FROM spur.events WHERE event_id = {id:UUID}',
    query_params: { id },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  const rows = await result.json<Record<string, unknown>>();
  expect(rows).toHaveLength(1);
  return { id, ...rows[0]! } as Record<string, unknown> & { id: string };
}

function drain(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => stream.on('error', reject).on('end', resolve).resume());
}

describe('event rows: one accepted event as a RowBinary row of spur.events', () => {
  it('name every column of spur.events, with the type the table has', async () => {
    const result = await client.query({ query: "SELECT name, type FROM system.columns WHERE database = 'spur' AND table = 'events'", format: 'JSONEachRow' });
    const table = Object.fromEntries((await result.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
    expect(Object.fromEntries(EVENT_ROW_COLUMNS)).toEqual(table);
  });

  it('carry the columns every event has, the session\'s channel, and defaults for the rest', async () => {
    const r = await row({ type: 'page_view' });
    expect(r).toEqual({
      id: r.id,
      event_id: r.id,
      type: 'page_view',
      ts: printed(DAY + 1),
      client_ts: printed(DAY),
      session_id: '42',
      site_id: 'shop',
      sent_at: printed(DAY + 123),
      received_at: printed(DAY + 456),
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
      user_id: '',
      page_id: '00000000-0000-0000-0000-000000000000',
      seq: 0,
      title: '',
      referrer: '',
      referrer_host: '',
      utm_source: '',
      utm_medium: '',
      utm_campaign: '',
      utm_term: '',
      utm_content: '',
      click_id: '',
      is_bot: false,
      element_tag: '',
      element_text: '',
      element_selector: '',
      element_id: '',
      element_classes: [],
      element_href: '',
      element_attrs: {},
      search_query: '',
      search_results: null,
      items: [],
      currency: '',
      value: null,
      transaction_id: '',
      name: '',
      props: {},
    });
  });

  it('carry the optional columns that are set', async () => {
    const pageId = '7D3F1C2E-5B6A-4F8E-9C0D-1A2B3C4D5E6F';
    const r = await row(
      { type: 'page_view', page_id: pageId, seq: 3, title: 'Shoes', props: { variant: 'B', step: 2, beta: true } },
      { userId: 'u-1', referrer: 'https://www.google.com/', referrerHost: 'www.google.com', utmSource: 'news', utmMedium: 'email', utmCampaign: 'nov', utmTerm: 't', utmContent: 'c', clickId: 'gclid' },
      { isBot: true, browserVersion: '', sdk: '' },
    );
    expect(r).toMatchObject({
      page_id: pageId.toLowerCase(),
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
      browser_version: '',
      sdk: '',
    });
  });

  it('carry free text from the page exactly: quotes, newlines, control characters, any script, any length', async () => {
    const nasty = 'He said "hi"\n\t\\ \u0000 \u2028 <script> Grüße – 😀';
    const long = 'ü'.repeat(42) + '€'.repeat(300); // past the one-byte length; 3-byte characters
    const r = await row(
      { type: 'click', title: long, element: { tag: 'a', text: nasty, selector: 'a[href="x"]', id: 'x"y', classes: ['a"b', 'c'], href: 'https://x/"', attrs: { 'k"': nasty } } },
      { url: 'https://shop.example/a"b', path: '/a"b' },
    );
    expect(r).toMatchObject({
      title: long,
      url: 'https://shop.example/a"b',
      path: '/a"b',
      element_tag: 'a',
      element_text: nasty,
      element_selector: 'a[href="x"]',
      element_id: 'x"y',
      element_classes: ['a"b', 'c'],
      element_href: 'https://x/"',
      element_attrs: { 'k"': nasty },
    });
  });

  it('carry each event type\'s own columns', async () => {
    expect(await row({ type: 'search', query: 'rote "Schuhe"', results: 0 })).toMatchObject({ search_query: 'rote "Schuhe"', search_results: 0 });
    expect(await row({ type: 'search', query: 'x' })).toMatchObject({ search_results: null });
    expect(await row({ type: 'search', query: 'x', results: 4_294_967_295 })).toMatchObject({ search_results: 4_294_967_295 });
    expect(await row({ type: 'custom', name: 'newsletter:signup' })).toMatchObject({ name: 'newsletter:signup' });
    const items = [{ item_id: 'sku-1', item_name: 'Schuh', item_category: 'Schuhe', item_brand: 'B', item_variant: 'rot', price: 59.9, quantity: 2 }];
    expect(await row({ type: 'purchase', items, currency: 'EUR', value: 119.8, transaction_id: 'T-1' })).toMatchObject({
      items,
      currency: 'EUR',
      value: '119.8',
      transaction_id: 'T-1',
    });
    // quantity defaults to 1, a missing price is NULL; a cart view may be empty
    expect(await row({ type: 'add_to_cart', items: [{ item_id: 'sku-2' }] })).toMatchObject({
      items: [{ item_id: 'sku-2', item_name: '', item_category: '', item_brand: '', item_variant: '', price: null, quantity: 1 }],
    });
    expect(await row({ type: 'view_cart' })).toMatchObject({ items: [], value: null });
  });

  it('store amounts to four decimals, exactly, up to the protocol\'s bound, either sign', async () => {
    const stored = async (value: number) => (await row({ type: 'view_cart', value })).value;
    expect(await stored(0.0001)).toBe('0.0001');
    expect(await stored(-12.3456)).toBe('-12.3456');
    expect(await stored(19.99)).toBe('19.99');
    expect(await stored(0.00004)).toBe('0'); // rounded to the column's scale
    expect(await stored(987_654_321_098.7654)).toBe('987654321098.7654'); // past 2^53 / 10^4
    expect(await stored(1_000_000_000_000)).toBe('1000000000000');
    expect(await stored(-1_000_000_000_000)).toBe('-1000000000000');
  });

  it('keep millisecond times exact, up to the protocol\'s latest (2100)', async () => {
    expect(await row({ type: 'page_view', ts: 4_102_444_799_999 }, { ts: DAY + 999 })).toMatchObject({ client_ts: '2099-12-31 23:59:59.999', ts: printed(DAY + 999) });
  });
});

describe('dateTime64 (rejected events\' JSON rows)', () => {
  it('formats DateTime64(3) values as seconds.millis, including small millisecond parts', () => {
    expect(dateTime64(1_767_225_600_000)).toBe('1767225600.000');
    expect(dateTime64(1_767_225_600_007)).toBe('1767225600.007');
    expect(dateTime64(1_767_225_600_070)).toBe('1767225600.070');
    expect(dateTime64(1_767_225_600_999)).toBe('1767225600.999');
  });
});
