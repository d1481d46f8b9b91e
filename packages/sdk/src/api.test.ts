// The JavaScript API: every method, wrong calls, the stub queue, double inclusion, the ESM build.
import { describe, expect, it } from 'vitest';
import { browserSuite, html } from '../test/harness.js';
import { createTracker } from './index.js';

const t = browserSuite({ esm: true });
const FAST = 'data-flush-ms="50"';

describe('the API', () => {
  it('records every event type with validated, defaulted fields', async () => {
    const url = t.server.page('/', html({ attrs: `${FAST} data-currency="EUR"` }));
    const { page, console: messages } = await t.open(url);
    await page.evaluate(() => {
      const spur = (window as any).spur;
      spur.identify('u-42');
      spur.track('newsletter_signup', { list: 'weekly', step: 2, ok: true, nested: { x: 1 }, nan: NaN, none: null, long: 'x'.repeat(600) });
      spur.search('  red   shoes ', { results: 0 });
      spur.viewItem({ item_id: 'SKU-1', item_name: 'Runner', price: 89.9 });
      spur.cart.add({ item_id: 'SKU-1', price: 89.9, quantity: 2 });
      spur('cart.remove', { item_id: 'SKU-1' });
      spur.viewCart([{ item_id: 'SKU-1', price: 10, quantity: 3 }, { item_id: 'SKU-2', price: 5.5 }]);
      spur.checkout({ items: [{ item_id: 'SKU-1', price: 10 }], currency: 'USD' });
      spur.purchase({ transaction_id: 'T-1', items: [{ item_id: 123, price: 10 }], value: 12.5 });
      spur.identify(null);
      spur.track('after_logout');
      spur.flush();
    });
    const events = await t.server.until((e) => e.length >= 10 && e, '10 events');
    expect(events.map((e) => e.type)).toEqual([
      'page_view',
      'custom',
      'search',
      'view_item',
      'add_to_cart',
      'remove_from_cart',
      'view_cart',
      'begin_checkout',
      'purchase',
      'custom',
    ]);
    const [, custom, search, viewItem, add, remove, viewCart, checkout, purchase, after] = events;
    expect(custom).toMatchObject({ name: 'newsletter_signup', user_id: 'u-42', props: { list: 'weekly', step: 2, ok: true, long: 'x'.repeat(512) } });
    expect(Object.keys((custom as any).props).sort()).toEqual(['list', 'long', 'ok', 'step']);
    expect(search).toMatchObject({ query: 'red shoes', results: 0 });
    expect(viewItem).toMatchObject({ currency: 'EUR', value: 89.9, items: [{ item_id: 'SKU-1', item_name: 'Runner', price: 89.9, quantity: 1 }] });
    expect(add).toMatchObject({ value: 179.8, items: [{ quantity: 2 }] });
    expect(remove).toMatchObject({ currency: 'EUR', items: [{ item_id: 'SKU-1', quantity: 1 }] });
    expect(remove).not.toHaveProperty('value');
    expect(viewCart).toMatchObject({ value: 35.5 });
    expect(checkout).toMatchObject({ currency: 'USD', value: 10 });
    expect(purchase).toMatchObject({ transaction_id: 'T-1', value: 12.5, items: [{ item_id: '123' }] });
    expect(after).toMatchObject({ name: 'after_logout' });
    expect(after).not.toHaveProperty('user_id');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(messages).toEqual([]);
  });

  const WRONG_CALLS = `
    const spur = window.spur, calls = [
      () => spur.track('bad name!'),
      () => spur.track(''),
      () => spur.track('x', 'not an object'),
      () => spur.track(Symbol('x')),
      () => spur.search(''),
      () => spur.search('   '),
      () => spur.search('q', { results: -1 }),
      () => spur.search('q', { results: 1.5 }),
      () => spur.viewItem(null),
      () => spur.viewItem({}),
      () => spur.cart.add({ item_id: 'A', price: 'abc' }),
      () => spur.cart.add({ item_id: 'A', quantity: 0 }),
      () => spur.cart.add({ item_id: { id: 1 } }),
      () => spur.cart.remove(),
      () => spur.viewCart('x'),
      () => spur.checkout({ items: [{ item_id: 'A' }], currency: 'euro' }),
      () => spur.purchase({ items: [{ item_id: 'A' }] }),
      () => spur.identify({}),
      () => spur.beforeSend('not a function'),
      () => spur('nope'),
      () => spur('cart.nope', 1),
    ];
    let thrown = 0;
    for (const call of calls) try { call(); } catch { thrown++; }
    spur.flush();
    window.result = { calls: calls.length, thrown };`;

  it('drops wrong calls without throwing; one console warning each in debug mode', async () => {
    const url = t.server.page('/debug', html({ attrs: `${FAST} data-debug` }));
    const { page, console: messages } = await t.open(url);
    const result = await page.evaluate(`${WRONG_CALLS}; window.result`);
    await t.server.until((e) => e.length > 0, 'page view');
    await new Promise((r) => setTimeout(r, 150));
    expect(result).toEqual({ calls: 21, thrown: 0 });
    expect(t.server.events().map((e) => e.type)).toEqual(['page_view']);
    expect(messages).toHaveLength(21);
    expect(messages.every((m) => m.startsWith('warning: [spur] '))).toBe(true);
  });

  it('is silent about wrong calls without debug mode', async () => {
    const url = t.server.page('/quiet', html({ attrs: FAST }));
    const { page, console: messages } = await t.open(url);
    const result = await page.evaluate(`${WRONG_CALLS}; window.result`);
    await t.server.until((e) => e.length > 0, 'page view');
    await new Promise((r) => setTimeout(r, 150));
    expect(result).toEqual({ calls: 21, thrown: 0 });
    expect(t.server.events().map((e) => e.type)).toEqual(['page_view']);
    expect(messages).toEqual([]);
  });
});

describe('the script tag', () => {
  it('replays calls queued by the stub before its first page view, then takes calls itself', async () => {
    const before = `
      spur('identify', 'u-1');
      spur('beforeSend', function (e) { e.props = Object.assign({}, e.props, { via: 'stub' }); return e; });
      spur('track', 'early', { a: 1 });
      spur('cart.add', { item_id: 'SKU-9' });`;
    const url = t.server.page('/stub', html({ attrs: FAST, stub: true, before }));
    const { page } = await t.open(url);
    await t.server.until((e) => e.length >= 3, 'three events');
    await page.evaluate(() => (window as any).spur('track', 'late'));
    const events = await t.server.until((e) => e.length >= 4 && e, 'late event');
    expect(events.map((e) => e.type)).toEqual(['custom', 'add_to_cart', 'page_view', 'custom']);
    expect(events.every((e) => e.user_id === 'u-1' && e.props?.via === 'stub')).toBe(true);
    const [early, add, view, late] = events;
    expect(early).toMatchObject({ name: 'early', props: { a: 1 }, seq: 0 });
    expect(add).toMatchObject({ seq: 1, page_id: early!.page_id });
    expect(view).toMatchObject({ seq: 0, page_id: view!.id });
    expect(view!.page_id).not.toBe(early!.page_id);
    expect(late).toMatchObject({ name: 'late', page_id: view!.id, seq: 1 });
    expect(await page.evaluate(() => (window as any).spur.q)).toBeUndefined();
  });

  it('a second copy of the script does nothing', async () => {
    const url = t.server.page(
      '/twice',
      html({ attrs: FAST, body: '<button id="b">Go</button><script defer src="/sdk.js" data-site="other" data-flush-ms="50"></script>' }),
    );
    const { page } = await t.open(url);
    await page.click('#b');
    await t.server.until((e) => e.some((x) => x.type === 'click'), 'click');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.server.events().map((e) => e.type)).toEqual(['page_view', 'click']);
    expect(t.server.received.every((r) => r.body.site === 'demo')).toBe(true);
    expect(await page.evaluate(() => Object.keys(window).filter((k) => /spur/i.test(k)))).toEqual(['spur']);
  });
});

describe('the ESM build', () => {
  it('has no side effects on import; createTracker() starts tracking', async () => {
    const url = t.server.page(
      '/esm',
      `<!doctype html><title>ESM</title><script type="module">
        import { createTracker, VERSION } from '/index.js';
        window.state = { imported: VERSION, global: 'spur' in window };
        await new Promise((r) => setTimeout(r, 200));
        window.state.requestsBeforeStart = performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/batch')).length;
        const spur = createTracker({ site: 'demo', flushMs: 50 });
        spur.cart.add({ item_id: 'SKU-1', price: 5 });
        window.state.done = true;
      </script>`,
    );
    const { page } = await t.open(url);
    await page.waitForFunction(() => (window as any).state?.done);
    expect(await page.evaluate(() => (window as any).state)).toEqual({ imported: '0.1.0', global: false, requestsBeforeStart: 0, done: true });
    const events = await t.server.until((e) => e.length >= 2 && e, 'two events');
    expect(events.map((e) => e.type)).toEqual(['page_view', 'add_to_cart']);
    expect(t.server.received[0]!.path).toBe('/v1/batch');
  });

  it('is inert outside a browser: nothing throws', () => {
    const spur = createTracker({ site: 'demo' });
    expect(() => {
      spur.track('x');
      spur.cart.add({ item_id: 'A' });
      spur('page');
      spur.flush();
    }).not.toThrow();
  });
});
