import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '@spur/protocol';
import { waitFor } from '@spur/testing';
import { ORIGIN, SERVER_KEY, batch, event, postBatch, startStack, waitForRows, type TestStack } from '../test/stack.js';

const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

let stack: TestStack;
let url: string;

beforeAll(async () => {
  stack = await startStack();
  url = stack.collector.url;
});
afterAll(async () => stack?.stop());

const count = (where: string) => `SELECT count() AS n FROM spur.events FINAL WHERE ${where}`;

describe('POST /v1/batch', () => {
  it('keeps the valid events of a batch, answers per-event errors and records the refused ones', async () => {
    const good = event('page_view');
    const bad = event('add_to_cart', { items: 'nope' });
    const res = await postBatch(url, batch([good, bad, event('custom', { name: 'has space' })]));
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2]);
    expect(res.body.rejected[0].errors[0].path).toBe('items');
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);

    expect(await waitForRows(stack, count(`event_id = '${good.id}'`), 1)).toBe(1);
    const requestId = res.headers.get('x-request-id');
    expect(await waitForRows(stack, `SELECT count() AS n FROM spur.rejected_events WHERE request_id = '${requestId}'`, 2)).toBe(2);
    const [rejected] = await stack.query<{ errors: string[]; event: string; event_index: number }>(
      `SELECT errors, event, event_index FROM spur.rejected_events WHERE request_id = '${requestId}' ORDER BY event_index LIMIT 1`,
    );
    expect(rejected!.event_index).toBe(1);
    expect(rejected!.errors[0]).toMatch(/^items: /);
    expect(JSON.parse(rejected!.event).id).toBe(bad.id);
  });

  it('stores numbers up to their documented bounds exactly and refuses larger ones per event', async () => {
    const max = LIMITS.maxAmount;
    const atBounds = event('purchase', { value: max, currency: 'EUR', transaction_id: 'T-max', items: [{ item_id: 'a', price: -max, quantity: 1 }, { item_id: 'b', price: 0.00001 }] });
    const search = event('search', { query: 'x', results: LIMITS.maxSearchResults });
    // Beyond the columns' range: ClickHouse would refuse (Decimal) or wrap (UInt32) these, and with
    // them the request's valid rows; the protocol refuses just these events instead.
    const tooBig = [event('purchase', { value: max * 10, transaction_id: 'T-big' }), event('view_item', { items: [{ item_id: 'c', price: 1e15 }] }), event('search', { query: 'y', results: 2 ** 32 })];
    const res = await postBatch(url, batch([atBounds, search, ...tooBig]));
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([2, 3, 4]);
    expect(await waitForRows(stack, count(`event_id IN ('${atBounds.id}', '${search.id}')`), 2)).toBe(2);
    const [row] = await stack.query<{ value: string; prices: string[]; results: number }>(
      `SELECT toString(value) AS value, arrayMap(i -> toString(i.price), items) AS prices, (SELECT any(search_results) FROM spur.events WHERE event_id = '${search.id}') AS results FROM spur.events WHERE event_id = '${atBounds.id}'`,
    );
    expect(row).toEqual({ value: String(max), prices: [String(-max), '0'], results: LIMITS.maxSearchResults });
  });

  it('accepts JSON, text/plain and gzip bodies', async () => {
    const json = await postBatch(url, batch([event()]), { 'content-type': 'application/json' });
    const text = await postBatch(url, batch([event()]), { 'content-type': 'text/plain' });
    const gz = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', origin: ORIGIN },
      body: gzipSync(JSON.stringify(batch([event(), event()]))),
    });
    expect([json.status, text.status, gz.status]).toEqual([200, 200, 200]);
    expect(await gz.json()).toEqual({ accepted: 2, rejected: [] });
  });

  it('answers every error with its status and a machine code, never a stack trace', async () => {
    const cases: Array<[string, Promise<{ status: number; body: any; headers: Headers }>, number, string]> = [
      ['bad JSON', postBatch(url, '{"site":'), 400, 'invalid_json'],
      ['bad envelope', postBatch(url, { site: 'demo', events: [] }), 400, 'invalid_envelope'],
      ['not an object', postBatch(url, '[1,2,3]'), 400, 'invalid_envelope'],
      ['unknown site', postBatch(url, { ...batch([event()]), site: 'nope' }), 403, 'unknown_site'],
      ['wrong origin', postBatch(url, batch([event()]), { origin: 'https://evil.example' }), 403, 'origin_not_allowed'],
      ['no origin, no key', postBatch(url, batch([event()]), { origin: '' }), 403, 'origin_not_allowed'],
      ['wrong key', postBatch(url, batch([event()]), { authorization: 'Bearer wrong-key-wrong-key-wrong-key' }), 403, 'invalid_server_key'],
      ['too large', postBatch(url, 'x'.repeat(LIMITS.maxBodyBytes + 1)), 413, 'body_too_large'],
      ['gzip bomb', postBatch(url, gzipSync(Buffer.alloc(LIMITS.maxBodyBytes * 4, 32)), { 'content-encoding': 'gzip' }), 413, 'body_too_large'],
      ['bad gzip', postBatch(url, 'not gzip', { 'content-encoding': 'gzip' }), 400, 'invalid_json'],
      ['brotli', postBatch(url, batch([event()]), { 'content-encoding': 'br' }), 415, 'unsupported_encoding'],
      ['xml', postBatch(url, '<batch/>', { 'content-type': 'application/xml' }), 415, 'unsupported_media_type'],
      ['proto pollution', postBatch(url, '{"site":"demo","sent_at":1767225600000,"events":[{}],"__proto__":{"x":1}}'), 400, 'invalid_json'],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      expect({ what, status: res.status, code: res.body.code }).toEqual({ what, status, code });
      expect(typeof res.body.message).toBe('string');
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  });

  it('answers CORS preflights only for configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/v1/batch`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const ok = await preflight(ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // An origin allowed for another site may preflight, but not send for this one.
    const cross = await postBatch(url, batch([event()]), { origin: 'https://other.example' });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets only the server key set user_id and the shopper context', async () => {
    const fromBrowser = event('page_view', { user_id: 'cust-1', context: { ip: '198.51.100.1' } });
    const fromServer = event('purchase', { user_id: 'cust-2', context: { ip: '198.51.100.2', user_agent: GOOGLEBOT } });
    expect((await postBatch(url, batch([fromBrowser]))).status).toBe(200);
    expect((await postBatch(url, batch([fromServer]), { origin: '', authorization: `Bearer ${SERVER_KEY}` })).status).toBe(200);
    await waitForRows(stack, count(`event_id IN ('${fromBrowser.id}', '${fromServer.id}')`), 2);
    const rows = await stack.query<{ event_id: string; user_id: string; is_bot: boolean }>(
      `SELECT event_id, user_id, is_bot FROM spur.events FINAL WHERE event_id IN ('${fromBrowser.id}', '${fromServer.id}') ORDER BY user_id`,
    );
    expect(rows).toEqual([
      { event_id: fromBrowser.id, user_id: '', is_bot: false },
      { event_id: fromServer.id, user_id: 'cust-2', is_bot: true },
    ]);
  });

  it('enriches: bot flag, channel from UTM and referrer, UTM fields, stripped parameters', async () => {
    const bot = event('page_view');
    const mail = event('page_view', { url: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&email=a%40b.example&token=s3cret' });
    const search = event('page_view', { url: 'https://shop.example/shoes', referrer: 'https://www.google.com/' });
    await postBatch(url, batch([bot]), { 'user-agent': GOOGLEBOT, 'x-forwarded-for': '10.9.9.9' });
    await postBatch(url, batch([mail]), { 'user-agent': FIREFOX });
    await postBatch(url, batch([search]), { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1' });
    const ids = [bot.id, mail.id, search.id].map((id) => `'${id}'`).join(',');
    await waitForRows(stack, count(`event_id IN (${ids})`), 3);
    const rows = await stack.query<Record<string, unknown>>(
      `SELECT event_id, is_bot, device, browser, os, channel, utm_source, utm_medium, utm_campaign, url, referrer_host, hostname, path
       FROM spur.events FINAL WHERE event_id IN (${ids})`,
    );
    const byId = Object.fromEntries(rows.map((r) => [String(r.event_id), r]));
    expect(byId[bot.id as string]).toMatchObject({ is_bot: true });
    expect(byId[mail.id as string]).toMatchObject({ is_bot: false, browser: 'Firefox', os: 'Linux', device: 'desktop', channel: 'email', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring', hostname: 'shop.example', path: '/' });
    expect(byId[mail.id as string]!.url).not.toMatch(/email=|token=|s3cret/);
    expect(byId[search.id as string]).toMatchObject({ channel: 'organic_search', referrer_host: 'www.google.com', device: 'mobile', path: '/shoes' });
  });

  it('gives the same IP and user agent one visitor id and one session within a day', async () => {
    const a = event('page_view');
    const b = event('click');
    await postBatch(url, batch([a]), { 'user-agent': FIREFOX });
    await postBatch(url, batch([b]), { 'user-agent': FIREFOX });
    await waitForRows(stack, count(`event_id IN ('${a.id}', '${b.id}')`), 2);
    const rows = await stack.query<{ v: string; s: string }>(
      `SELECT uniqExact(visitor_id) AS v, uniqExact(session_id) AS s FROM spur.events FINAL WHERE event_id IN ('${a.id}', '${b.id}')`,
    );
    expect(rows.map((r) => [Number(r.v), Number(r.s)])).toEqual([[1, 1]]);
  });

  it('stores no raw IP anywhere', async () => {
    const ip = '203.0.113.77';
    const e = event('page_view', { context: { ip } });
    const bad = event('add_to_cart', { context: { ip }, items: 'invalid' });
    await postBatch(url, batch([e, bad]), { origin: '', authorization: `Bearer ${SERVER_KEY}` });
    await waitForRows(stack, count(`event_id = '${e.id}'`), 1);
    await waitForRows(stack, `SELECT count() AS n FROM spur.rejected_events WHERE event LIKE '%${bad.id}%'`, 1);
    const tables = await stack.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = 'spur' AND engine LIKE '%MergeTree'`);
    for (const { name } of tables) {
      const hits = await stack.query<{ n: string }>(
        `SELECT count() AS n FROM spur.${name} WHERE position(toString(tuple(*)), '${ip}') > 0 OR position(toString(tuple(*)), '127.0.0.1') > 0`,
      );
      expect({ table: name, hits: Number(hits[0]!.n) }).toEqual({ table: name, hits: 0 });
    }
  });

  it('corrects client clock skew with sent_at', async () => {
    const skew = 3_600_000; // client clock one hour fast
    const now = Date.now();
    const e = event('page_view', { ts: now + skew - 500 });
    await postBatch(url, batch([e], { sent_at: now + skew }));
    await waitForRows(stack, count(`event_id = '${e.id}'`), 1);
    const [row] = await stack.query<{ ts: string; client_ts: string }>(
      `SELECT toUnixTimestamp64Milli(ts) AS ts, toUnixTimestamp64Milli(client_ts) AS client_ts FROM spur.events FINAL WHERE event_id = '${e.id}'`,
    );
    expect(Number(row!.client_ts)).toBe(now + skew - 500);
    expect(Math.abs(Number(row!.ts) - (now - 500))).toBeLessThan(2000);
  });
});

describe('de-duplication', () => {
  it('counts an event sent twice once, in every documented query', async () => {
    const site = 'demo';
    const events = [event('page_view'), event('add_to_cart'), event('search')];
    const shipped = async () => (await stack.collector.metrics.insertRows.get()).values.find((v) => v.labels.table === 'events')?.value ?? 0;
    const before = await shipped();
    const first = await postBatch(url, batch(events));
    // A client retry: same events, a later sent_at (so a different skew-corrected ts).
    await new Promise((r) => setTimeout(r, 30));
    const retry = await postBatch(url, batch(events, { sent_at: Date.now() + 5 }));
    expect([first.status, retry.status]).toEqual([200, 200]);
    const ids = events.map((e) => `'${e.id}'`).join(',');
    await waitFor(async () => (await shipped()) >= before + 6, { what: 'both copies inserted' });

    // Both copies went to ClickHouse; unless they shared an insert block, both are stored until
    // ClickHouse merges them…
    const raw = await stack.query<{ n: number }>(`SELECT count() AS n FROM spur.events WHERE event_id IN (${ids})`);
    expect([3, 6]).toContain(Number(raw[0]!.n));
    const final = await stack.query<{ type: string; events: number }>(
      `SELECT type, count() AS events FROM spur.events FINAL WHERE site_id = '${site}' AND event_id IN (${ids}) GROUP BY type ORDER BY type`,
    );
    const distinct = await stack.query<{ type: string; events: number }>(
      `SELECT type, uniqExact(event_id) AS events FROM spur.events WHERE site_id = '${site}' AND event_id IN (${ids}) GROUP BY type ORDER BY type`,
    );
    const expected = [{ type: 'add_to_cart', events: 1 }, { type: 'page_view', events: 1 }, { type: 'search', events: 1 }];
    const asNumbers = (rows: { type: string; events: number }[]) => rows.map((r) => ({ type: r.type, events: Number(r.events) }));
    expect(asNumbers(final)).toEqual(expected); // …and every documented query counts them once
    expect(asNumbers(distinct)).toEqual(expected);

    await stack.client.command({ query: 'OPTIMIZE TABLE spur.events FINAL' });
    const merged = await stack.query<{ n: number }>(`SELECT count() AS n FROM spur.events WHERE event_id IN (${ids})`);
    expect(Number(merged[0]!.n)).toBe(3);
  });

  it('keeps the daily overview duplicate-free as well', async () => {
    const pageViews = [event('page_view'), event('page_view')];
    await postBatch(url, batch(pageViews));
    await postBatch(url, batch(pageViews, { sent_at: Date.now() + 5 }));
    await waitForRows(stack, count(`event_id IN ('${pageViews[0]!.id}', '${pageViews[1]!.id}')`), 2);
    // Nothing else in flight either: an insert of earlier tests' page views commits the table's
    // part before its materialized view's, so a query in between would see them in one only.
    await waitFor(async () => ((await (await fetch(`${url}/readyz`)).json()) as { spoolPendingBytes: string }).spoolPendingBytes === '0', { what: 'the spool shipped' });
    const viaEvents = await stack.query<{ n: number }>(`SELECT uniqExact(event_id) AS n FROM spur.events WHERE site_id = 'demo' AND type = 'page_view' AND NOT is_bot AND ts >= today() - 1`);
    const viaOverview = await stack.query<{ n: number }>(
      `SELECT uniqExactMergeIf(events, type = 'page_view') AS n FROM spur.daily_overview WHERE site_id = 'demo' AND day >= today() - 1`,
    );
    expect(Number(viaOverview[0]!.n)).toBe(Number(viaEvents[0]!.n));
  });
});

describe('operations endpoints', () => {
  it('reports health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', clickhouse: true, ingestWorkers: '1 of 1 ready' });
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const name of ['spur_events_accepted_total', 'spur_events_rejected_total', 'spur_batch_events', 'spur_insert_duration_seconds', 'spur_spool_pending_bytes', 'spur_buffer_fill_ratio', 'spur_rate_limited_total', 'spur_sdk_delivery_ratio']) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/spur_events_accepted_total\{site="demo"\} \d+/);
  });

  it('times every batch request, whatever its answer, in spur_batch_request_duration_seconds', async () => {
    const count = async () => Number(/^spur_batch_request_duration_seconds_count (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    const before = await count();
    expect((await postBatch(url, batch([event()]))).status).toBe(200);
    expect((await postBatch(url, { site: 'demo' })).status).toBe(400);
    expect((await postBatch(url, { site: 'demo', pad: 'x'.repeat(300 * 1024) })).status).toBe(413); // refused before the handler
    expect(await count()).toBe(before + 3);
  });

  it('serves the SDK with an ETag, a short cache and a year for the versioned URL', async () => {
    const res = await fetch(`${url}/sdk.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    const etag = res.headers.get('etag')!;
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect((await fetch(`${url}/sdk.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const versioned = await fetch(`${url}/sdk.js?v=${etag.replaceAll('"', '')}`);
    expect(versioned.headers.get('cache-control')).toContain('max-age=31536000');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('not_found');
  });
});

describe('load shedding', () => {
  it('refuses batches beyond SPUR_MAX_INFLIGHT with 503 and Retry-After, and keeps the rest', async () => {
    const small = await startStack({ SPUR_MAX_INFLIGHT: '1' });
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => postBatch(small.collector.url, batch([event()]))));
      const shed = answers.filter((a) => a.status === 503);
      expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
      expect(shed.length).toBeGreaterThan(0);
      expect(shed[0]!.body.code).toBe('overloaded');
      expect(shed[0]!.headers.get('retry-after')).toBe('1');
      expect((await postBatch(small.collector.url, batch([event()]))).status).toBe(200);
    } finally {
      await small.stop();
    }
  });
});
