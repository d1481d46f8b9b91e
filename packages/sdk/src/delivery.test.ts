// Delivery: batching, page-hide beacons, size limits, retries with backoff, the bounded queue.
import { describe, expect, it } from 'vitest';
import { browserSuite, html, ownMessages, waitFor } from '../test/harness.js';

const t = browserSuite();
const spur = (code: string) => `(() => { const spur = window.spur; ${code} })()`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Fires the page's pagehide handlers without leaving the page. */
const PAGEHIDE = `dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }))`;

describe('batching', () => {
  it('sends once batchSize events are queued, and the rest on flush()', async () => {
    const url = t.server.page('/', html({ attrs: 'data-batch-size="5" data-flush-ms="60000"' }));
    const { page } = await t.open(url);
    await page.evaluate(spur(`for (let i = 0; i < 4; i++) spur.track('e' + i)`)); // + the page view = 5
    await t.server.until((e) => e.length >= 5, 'first batch');
    await page.evaluate(spur(`spur.track('e4'); spur.track('e5')`));
    await sleep(300);
    expect(t.server.received.map((r) => r.body.events.length)).toEqual([5]);
    await page.evaluate(spur(`spur.flush()`));
    await t.server.until((e) => e.length >= 7, 'rest');
    expect(t.server.received.map((r) => r.body.events.length)).toEqual([5, 2]);
  });

  it('sends after flushMs at the latest', async () => {
    const url = t.server.page('/timed', html({ attrs: 'data-flush-ms="600"' }));
    await t.open(url);
    const [view] = await t.server.until((e) => e.length > 0 && e, 'page view', 3000);
    const delay = t.server.received[0]!.at - view!.ts;
    expect(delay).toBeGreaterThanOrEqual(550);
    expect(delay).toBeLessThan(2000);
  });
});

describe('page hide', () => {
  it('beacons the queue as text/plain when the page is left', async () => {
    t.server.page('/next', '<!doctype html><title>next</title>');
    const url = t.server.page('/leave', html({ attrs: 'data-flush-ms="60000"' }));
    const { page } = await t.open(url);
    await page.evaluate(spur(`spur.track('before_leaving')`));
    await page.goto(`${t.server.origin}/next`);
    const events = await t.server.until((e) => e.length >= 2 && e, 'beacon');
    expect(events.map((e) => e.type)).toEqual(['page_view', 'custom']);
    const [beacon] = t.server.received;
    expect(beacon!.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(beacon!.headers['sec-fetch-mode']).toBe('no-cors'); // sendBeacon, not fetch
  });

  it('delivers the click on a link that navigates to another origin', async () => {
    t.server.page('/other', '<!doctype html><title>other</title>');
    const url = t.server.page('/links', html({ attrs: 'data-flush-ms="60000"', body: `<a id="out" href="${t.server.otherOrigin}/other?token=t">Partner shop</a>` }));
    const { page } = await t.open(url);
    await Promise.all([page.waitForURL(`${t.server.otherOrigin}/other?token=t`), page.click('#out')]);
    const events = await t.server.until((e) => e.length >= 2 && e, 'click');
    expect(events.map((e) => e.type)).toEqual(['page_view', 'click']);
    expect(events[1]).toMatchObject({ element: { tag: 'a', text: 'Partner shop', href: `${t.server.otherOrigin}/other` } });
  });

  it('describes a click still pending at page hide synchronously, in the same beacon', async () => {
    const url = t.server.page('/pending', html({ attrs: 'data-flush-ms="60000"', body: '<a id="a" href="/x">Go</a>' }));
    const { page } = await t.open(url);
    await page.evaluate(`
      document.addEventListener('click', (e) => e.preventDefault());
      document.getElementById('a').click(); // recorded, description deferred to a later task…
      ${PAGEHIDE}; // …but the page hides first`);
    const events = await t.server.until((e) => e.length >= 2 && e, 'beacon');
    await sleep(200);
    expect(t.server.received).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['page_view', 'click']);
  });

  it('also sends when the page becomes hidden (visibilitychange)', async () => {
    const url = t.server.page('/hidden', html({ attrs: 'data-flush-ms="60000"' }));
    const { page } = await t.open(url);
    await page.evaluate(`
      Object.defineProperty(document, 'hidden', { value: true, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'))`);
    await t.server.until((e) => e.length >= 1, 'beacon');
    expect(t.server.received[0]!.headers['sec-fetch-mode']).toBe('no-cors');
  });

  it('falls back to a keepalive fetch without sendBeacon', async () => {
    t.server.page('/next', '<!doctype html><title>next</title>');
    const url = t.server.page('/nobeacon', html({ attrs: 'data-flush-ms="60000"' }));
    const { page } = await t.open(url, {
      init: () => {
        delete (Navigator.prototype as any).sendBeacon;
      },
    });
    await page.goto(`${t.server.origin}/next`);
    await t.server.until((e) => e.length >= 1, 'fetch');
    expect(t.server.received[0]!.headers['sec-fetch-mode']).toBe('cors');
    expect(t.server.received[0]!.headers.cookie).toBeUndefined();
  });

  it('splits a large queue into beacons under 64 KiB; whatever the browser refuses is retried', async () => {
    const url = t.server.page('/big', html({ attrs: 'data-flush-ms="60000" data-batch-size="5000"' }));
    const { page } = await t.open(url);
    await page.evaluate(spur(`for (let i = 0; i < 400; i++) spur.track('big', { i, pad: 'x'.repeat(400) }); ${PAGEHIDE}`));
    const events = await waitFor(() => new Set(t.server.events().map((e) => e.id)).size >= 401 && t.server.events(), { what: '401 events', timeoutMs: 8000 });
    expect(new Set(events.map((e) => e.id)).size).toBe(401);
    for (const r of t.server.received) {
      expect(Buffer.byteLength(r.raw)).toBeLessThanOrEqual(64 * 1024);
      expect(r.body.events.length).toBeLessThanOrEqual(500);
    }
    expect(t.server.received.length).toBeGreaterThan(2);
  });
});

describe('failures', () => {
  it('retries 503s with exponential backoff and jitter, resending the same event ids', async () => {
    t.server.replies = [{ status: 503 }, { status: 503 }];
    const url = t.server.page('/retry', html({ attrs: 'data-flush-ms="50"' }));
    await t.open(url);
    await waitFor(() => t.server.received.length >= 3, { what: 'three attempts', timeoutMs: 6000 });
    const [a, b, c] = t.server.received;
    expect([a!.status, b!.status, c!.status]).toEqual([503, 503, 200]);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(650); // 1 s ± 30 %
    expect(b!.at - a!.at).toBeLessThanOrEqual(1700);
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(1350); // 2 s ± 30 %
    expect(c!.at - b!.at).toBeLessThanOrEqual(3100);
    const ids = (r: typeof a) => r!.body.events.map((e: { id: string }) => e.id);
    expect(ids(b)).toEqual(ids(a));
    expect(ids(c)).toEqual(ids(a));
    expect(t.server.events()).toHaveLength(1);
  });

  it('honours Retry-After (seconds) on 429', async () => {
    t.server.replies = [{ status: 429, headers: { 'retry-after': '2' } }];
    const url = t.server.page('/ratelimited', html({ attrs: 'data-flush-ms="50"' }));
    await t.open(url);
    await waitFor(() => t.server.received.length >= 2, { what: 'retry', timeoutMs: 5000 });
    const [a, b] = t.server.received;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(1900);
    expect(b!.at - a!.at).toBeLessThan(3000);
  });

  it('does not retry other 4xx answers, and reports the lost events as dropped', async () => {
    t.server.replies = [{ status: 400 }];
    const url = t.server.page('/refused', html({ attrs: 'data-flush-ms="50"' }));
    const { page } = await t.open(url);
    await waitFor(() => t.server.received.length >= 1, { what: 'first attempt' });
    await sleep(1400); // a retry would have come after 1.3 s at the latest
    expect(t.server.received).toHaveLength(1);
    await page.evaluate(spur(`spur.track('next'); spur.flush()`));
    await waitFor(() => t.server.received.length >= 2, { what: 'next batch' });
    expect(t.server.received[1]!.body).toMatchObject({ dropped: 1, events: [{ type: 'custom', name: 'next' }] });
  });

  it('keeps at most 1000 events, drops the oldest and counts them', async () => {
    const url = t.server.page('/flood', html({ attrs: 'data-flush-ms="60000" data-batch-size="5000"' }));
    const { page } = await t.open(url);
    await page.evaluate(spur(`for (let i = 0; i < 1100; i++) spur.track('e', { i }); spur.flush()`));
    const events = await t.server.until((e) => e.length >= 1000 && e, '1000 events');
    await sleep(200);
    expect(events).toHaveLength(1000);
    // The page view and e0…e99 were dropped; the batch taken first reports them.
    expect(Math.min(...events.map((e) => Number(e.props?.i)))).toBe(100);
    expect(t.server.received.map((r) => r.body.dropped).sort((a, b) => b - a)).toEqual([101, ...Array(t.server.received.length - 1).fill(0)]);
  });

  it('a dead, failing or garbage-answering endpoint never causes page errors or SDK console output', async () => {
    t.server.page('/next', '<!doctype html><title>next</title>');
    for (const attrs of ['data-endpoint="http://127.0.0.1:9"', '']) {
      t.server.fallback = { status: 500, body: '<html>garbage' };
      const url = t.server.page('/dead', html({ attrs: `data-flush-ms="50" ${attrs}`, body: '<button>b</button>' }));
      const { page, console: messages } = await t.open(url);
      await page.click('button');
      await page.evaluate(spur(`spur.track('x'); spur.flush()`));
      await sleep(300);
      await page.goto(`${t.server.origin}/next`);
      expect(ownMessages(messages)).toEqual([]);
    }
    t.server.fallback = { status: 200, body: 'garbage' };
    const url = t.server.page('/garbage', html({ attrs: 'data-flush-ms="50"' }));
    const { console: messages } = await t.open(url);
    await t.server.until((e) => e.length > 0, 'accepted batch');
    expect(ownMessages(messages)).toEqual([]);
  });
});
