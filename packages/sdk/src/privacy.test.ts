// Privacy and safety: GPC, DNT, opt-out, no storage, redaction, beforeSend, strict CSP, ids.
import { describe, expect, it } from 'vitest';
import { browserSuite, html, ownMessages } from '../test/harness.js';

const t = browserSuite();
const FAST = 'data-flush-ms="50"';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ACTIVITY = `(async () => {
  const spur = window.spur;
  document.querySelector('button').click();
  history.pushState({}, '', '/elsewhere?q=socks');
  spur.track('x', { a: 1 });
  spur.cart.add({ item_id: 'A', price: 1 });
  spur.flush();
  dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
  await new Promise((r) => setTimeout(r, 300));
})()`;

describe('consent signals', () => {
  // Chromium has no GPC setting; the property is defined the way browsers that support it do.
  const gpc = () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });

  it('sends nothing at all under Global Privacy Control, even after optIn()', async () => {
    const url = t.server.page('/gpc', html({ attrs: FAST, body: '<button>b</button>' }));
    const { page } = await t.open(url, { init: gpc });
    expect(await page.evaluate(() => (navigator as any).globalPrivacyControl)).toBe(true);
    await page.evaluate(ACTIVITY);
    await page.evaluate(`window.spur.optIn(); window.spur.track('after_opt_in'); window.spur.flush()`);
    await sleep(300);
    expect(t.server.received).toEqual([]);
  });

  it('honours Do Not Track with data-dnt="respect", and only then', async () => {
    const dnt = () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true });
    const respecting = t.server.page('/dnt', html({ attrs: `${FAST} data-dnt="respect"`, body: '<button>b</button>' }));
    const { page } = await t.open(respecting, { init: dnt });
    await page.evaluate(ACTIVITY);
    expect(t.server.received).toEqual([]);

    const ignoring = t.server.page('/nodnt', html({ attrs: FAST, body: '<button>b</button>' }));
    await t.open(ignoring, { init: dnt });
    await t.server.until((e) => e.length > 0, 'page view');
  });

  it('optOut() discards the queue and persists in one localStorage flag; optIn() removes it', async () => {
    const first = t.server.page('/optout', html({ attrs: 'data-flush-ms="60000"' }));
    const { page } = await t.open(first);
    await page.evaluate(`window.spur.track('queued'); window.spur.optOut(); window.spur.track('after'); window.spur.flush()`);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({ 'spur:optout': '1' });
    const later = t.server.page('/later', html({ attrs: FAST }));
    await page.goto(later); // the page hide of /optout sends nothing either
    await page.reload();
    await sleep(300);
    expect(t.server.received).toEqual([]);
    await page.evaluate(`window.spur.optIn(); window.spur.track('back')`);
    const events = await t.server.until((e) => e.length > 0 && e, 'event after optIn');
    expect(events.map((e) => e.type === 'custom' && e.name)).toEqual(['back']);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });
});

describe('storage and identifiers', () => {
  it('leaves no cookies, web storage or IndexedDB behind, and sends no cookies with its fetches', async () => {
    const url = t.server.page('/session', html({ attrs: FAST, body: '<button>b</button><a href="/a">a</a>' }));
    const { page, context } = await t.open();
    await context.addCookies([{ name: 'shop_session', value: 'abc', url: t.server.origin }]);
    await page.goto(url);
    await page.evaluate(ACTIVITY);
    await page.evaluate(`window.spur.identify('u-1'); window.spur.search('tea'); window.spur.flush()`);
    await t.server.until((e) => e.some((x) => x.type === 'search' && x.query === 'tea'), 'events');
    const state = await page.evaluate(async () => ({
      cookie: document.cookie,
      local: localStorage.length,
      session: sessionStorage.length,
      idb: (await indexedDB.databases()).length,
    }));
    expect(state).toEqual({ cookie: 'shop_session=abc', local: 0, session: 0, idb: 0 });
    expect((await context.cookies()).map((c) => c.name)).toEqual(['shop_session']);
    const fetched = t.server.received.filter((r) => r.headers['sec-fetch-mode'] === 'cors');
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.every((r) => r.headers.cookie === undefined)).toBe(true);
  });

  it('falls back to getRandomValues-based v4 UUIDs where crypto.randomUUID is missing', async () => {
    const url = t.server.page('/uuid', html({ attrs: FAST }));
    const { page } = await t.open(url, {
      init: () => {
        delete (Crypto.prototype as any).randomUUID;
      },
    });
    await page.evaluate(`for (let i = 0; i < 50; i++) window.spur.track('e')`);
    const events = await t.server.until((e) => e.length >= 51 && e, '51 events');
    expect(events.every((e) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.id))).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(51);
  });
});

describe('what leaves the browser', () => {
  it('strips listed parameters and redacts e-mail addresses and long digit runs in URLs and searches', async () => {
    t.server.page('/u/jane.doe@example.com/b%40c.org/orders', html({ attrs: `${FAST} data-strip-params="ref"`, body: '<a id="next" href="/next">next</a>' }));
    t.server.page('/next', html({ attrs: `${FAST} data-strip-params="ref"` }));
    const query = 'email=a%40b.com&q=call+0151+2345+6789&token=abc&keep=1&mail=x&card=4111-1111-1111-1111&ref=abc#access_token=xyz';
    const { page } = await t.open(`${t.server.origin}/u/jane.doe@example.com/b%40c.org/orders?${query}`);
    await t.server.until((e) => e.length >= 2, 'page view and search');
    await Promise.all([page.waitForURL('**/next'), page.click('#next')]);
    // The click comes in the first page's beacon, the second page view from the next page: any order.
    // Wait for the events the test needs by what they are, not by their count: one run had four
    // events before the second page view came in (delivery is at least once: a resend counts too).
    const nextUrl = `${t.server.origin}/next`;
    const events = await t.server.until(
      (e) => e.some((x) => x.type === 'page_view' && x.url === nextUrl) && e.some((x) => x.type === 'click') && e,
      'click and second page view',
    );
    const cleaned = `${t.server.origin}/u/[email]/[email]/orders?q=call+[number]&keep=1&card=[number]`;
    const view = events.find((e) => e.type === 'page_view');
    const next = events.find((e) => e.type === 'page_view' && e.url === nextUrl);
    expect(view!.url).toBe(cleaned);
    expect(events.find((e) => e.type === 'search')).toMatchObject({ query: 'call [number]' });
    expect(events.find((e) => e.type === 'click')).toMatchObject({ element: { href: `${t.server.origin}/next` } });
    expect(next).toMatchObject({ referrer: cleaned });
    // Random ids and clock values may contain 'abc', '0151' or '4111' by chance (one run's click id
    // was 048abc6b-…): they are blanked first, so every other byte that left the browser is checked.
    const sent = t.server.received
      .map((r) => r.raw)
      .join('\n')
      .replace(/"(id|page_id)":"[0-9a-f-]{36}"/g, '"$1":""')
      .replace(/"(ts|sent_at|seq|dropped)":\d+/g, '"$1":0');
    for (const secret of ['jane.doe', 'a%40b', 'abc', '0151', '4111', 'xyz', 'token']) expect(sent).not.toContain(secret);
  });

  it('beforeSend can change or drop each event', async () => {
    const before = `spur('beforeSend', function (e) { return e.type === 'click' ? null : Object.assign(e, { title: 'changed' }); });`;
    const url = t.server.page('/hook', html({ attrs: FAST, stub: true, before, body: '<button>b</button>' }));
    const { page } = await t.open(url);
    await page.click('button');
    await page.evaluate(`window.spur.track('kept')`);
    await t.server.until((e) => e.length >= 2, 'two events');
    await sleep(150);
    expect(t.server.events().map((e) => [e.type, e.title])).toEqual([
      ['page_view', 'changed'],
      ['custom', 'changed'],
    ]);
  });
});

describe('a strict Content-Security-Policy', () => {
  it("works under script-src 'self'; connect-src 'self' with the stub in a file", async () => {
    const csp = { 'content-security-policy': "default-src 'none'; script-src 'self'; connect-src 'self'" };
    const url = t.server.page('/csp', html({ attrs: FAST, head: '<script src="/stub.js"></script>', body: '<button>Buy</button>' }), csp);
    const { page, console: messages } = await t.open(url, {
      init: () => {
        (window as any).violations = [];
        document.addEventListener('securitypolicyviolation', (e) => (window as any).violations.push(e.violatedDirective));
      },
    });
    await page.click('button');
    await t.server.until((e) => e.some((x) => x.type === 'click'), 'click');
    expect(await page.evaluate(() => (window as any).violations)).toEqual([]);
    expect(ownMessages(messages)).toEqual([]);
  });
});
