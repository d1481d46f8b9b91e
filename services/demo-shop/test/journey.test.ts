import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  SINCE,
  describeRows,
  eventRows,
  openShopPage,
  openShopper,
  waitForRows,
  writeArtifact,
  type EventRow,
  useShopStack,
} from './shop-stack.js';

// The demo shop in real headless Chromium → the spur SDK from its script tag → the collector →
// ClickHouse, read back the way a data team reads it (spur.events FINAL).
//
// All shoppers of this file share one IP and user agent, i.e. they are one cookie-free visitor,
// and a session is attributed to the channel of its first event. The journey must therefore be
// the first thing this file's (fresh) ClickHouse sees: it is the first test, and it checks that.

const shop = useShopStack();

/** A row as one readable line: what a strict comparison of the whole sequence compares. */
function signature(row: EventRow, origin: string): string {
  const local = (url: string) => url.replace(origin, '');
  const items = row.items.map((i) => `${i.item_id}${i.item_variant ? '/' + i.item_variant : ''}×${i.quantity}`).join(',');
  switch (row.type) {
    case 'page_view':
      return `page_view ${local(row.url)}`;
    case 'click':
      return row.element_href ? `click ${row.element_tag} → ${local(row.element_href)}` : `click ${row.element_tag} "${row.element_text}"`;
    case 'search':
      return `search "${row.search_query}" results=${row.search_results}`;
    default:
      return `${row.type} ${items}`;
  }
}

const item = (quantity: number, variant = 'Ochre') => ({
  item_id: 'SKU-1007',
  item_name: 'Wayfarer 28L Daypack',
  item_category: 'Packs & Bags',
  item_brand: 'Spur & Sons',
  item_variant: variant,
  price: 89.9,
  quantity,
});

describe('the demo shop, end to end (Chromium → SDK → collector → ClickHouse)', () => {
  it('a newsletter shopper who searches, buys and checks out leaves exactly the documented events, in order, as one visitor and one email session', async () => {
    expect(await eventRows(shop.stack, '1'), 'the journey must run first, on an empty ClickHouse').toEqual([]);
    const shopper = await openShopper(shop.chromium.browser);
    const { page } = shopper;
    const landing = `${shop.stack.shop}index.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring`;

    // 1. Land from the spring newsletter.
    await openShopPage(page, landing);
    // 2. Search a term with results.
    await page.getByTestId('search-input').fill('pack');
    await page.getByTestId('search-submit').click();
    await page.waitForURL(/search\.html\?q=pack$/);
    await page.locator('body.is-ready').waitFor();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('6 products found');
    // 3. Search "unicorn": nothing found.
    await page.getByTestId('search-input').fill('unicorn');
    await page.getByTestId('search-submit').click();
    await page.waitForURL(/search\.html\?q=unicorn$/);
    await page.locator('body.is-ready').waitFor();
    await page.getByTestId('no-results').waitFor();
    // 4. Open a product from the suggestions.
    await page.locator('[data-testid=suggestion][data-product-id=SKU-1007]').click();
    await page.waitForURL(/product\.html\?id=SKU-1007$/);
    await page.locator('body.is-ready').waitFor();
    expect(await page.getByTestId('variant-select').inputValue()).toBe('Ochre');
    // 5. Add it to the cart twice.
    await page.getByTestId('add-to-cart').click();
    await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('1');
    await page.getByTestId('add-to-cart').click();
    await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('2');
    // 6. Go to the cart.
    await page.getByTestId('cart-link').click();
    await page.waitForURL(/cart\.html\?items=SKU-1007:2:Ochre$/);
    await page.locator('body.is-ready').waitFor();
    // 7. Remove one.
    await page.getByTestId('qty-decrease').click();
    await expect.poll(() => page.getByTestId('qty-value').textContent()).toBe('1');
    // 8. Check out (SPA step).
    await page.getByTestId('checkout').click();
    await page.waitForURL(/cart\.html\?step=checkout&items=SKU-1007:1:Ochre$/);
    // 9. Place the order (the form is prefilled).
    await page.getByTestId('place-order').click();
    await page.waitForURL(/cart\.html\?step=confirmation&order=T-/);
    const order = (await page.getByTestId('order-number').textContent())?.trim() ?? '';
    expect(order).toMatch(/^T-[A-Z0-9]+$/);
    expect(await page.getByTestId('cart-count').textContent()).toBe('0');
    expect(shopper.pageErrors).toEqual([]);
    // The SDK runs in debug mode on the demo (data-debug): it would warn about any call it refused.
    expect(shopper.spurWarnings).toEqual([]);
    await shopper.leave(); // then close once the rows are in (see Shopper.leave)

    // The demo shop's journey table (services/demo-shop/README.md), with what the SDK documents
    // it tracks by itself (page_view on load and on every SPA step, `click` for links and buttons,
    // `search` from the q parameter) — and, per the README's footnote 1, that automatic search
    // merged with the shop's explicit call, which carries the count. Each action exactly once.
    const expected = [
      'page_view /demo/index.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
      'click button "Search"',
      'page_view /demo/search.html?q=pack',
      'search "pack" results=6',
      'click button "Search"',
      'page_view /demo/search.html?q=unicorn',
      'search "unicorn" results=0',
      'click a → /demo/product.html?id=SKU-1007',
      'page_view /demo/product.html?id=SKU-1007',
      'view_item SKU-1007×1',
      'click button "Add to cart"',
      'add_to_cart SKU-1007/Ochre×1',
      'click button "Add to cart"',
      'add_to_cart SKU-1007/Ochre×1',
      'click a → /demo/cart.html?items=SKU-1007:2:Ochre',
      'page_view /demo/cart.html?items=SKU-1007:2:Ochre',
      'view_cart SKU-1007/Ochre×2',
      'click button "−"',
      'remove_from_cart SKU-1007/Ochre×1',
      'click button "Checkout"',
      'begin_checkout SKU-1007/Ochre×1',
      'page_view /demo/cart.html?step=checkout&items=SKU-1007:1:Ochre',
      'click button "Place order"',
      `purchase SKU-1007/Ochre×1`,
      `page_view /demo/cart.html?step=confirmation&order=${order}`,
    ];

    // The visitor a data team would find: whoever landed from the spring newsletter.
    const landings = await waitForRows(shop.stack, "type = 'page_view' AND utm_campaign = 'spring'", {}, (r) => r.length > 0, { settleMs: 0, what: 'the landing page view' });
    expect(landings).toHaveLength(1);
    const visitor = landings[0]!.visitor_id;
    const rows = await waitForRows(
      shop.stack,
      'visitor_id = {visitor:UInt64}',
      { visitor },
      (r) => r.length >= expected.length && r.some((x) => x.type === 'page_view' && x.url.includes('step=confirmation')),
      { what: 'the whole journey' },
    );
    await shopper.close();
    // Soft: if the sequence is off, the checks below still run and report what else is wrong.
    expect.soft(rows.map((r) => signature(r, shop.stack.origin)), describeRows(rows)).toEqual(expected);

    // Nothing else anywhere: this visitor's rows are all the rows there are.
    expect((await eventRows(shop.stack, '1')).length).toBe(rows.length);

    // One cookie-free visitor, one session, attributed to the newsletter; a person, not a bot.
    expect(new Set(rows.map((r) => r.visitor_id)).size).toBe(1);
    expect(new Set(rows.map((r) => r.session_id)).size).toBe(1);
    expect(new Set(rows.map((r) => r.channel))).toEqual(new Set(['email']));
    expect(rows.every((r) => !r.is_bot && r.device === 'desktop')).toBe(true);

    const landing0 = rows[0]!;
    expect(landing0).toMatchObject({
      type: 'page_view',
      url: landing,
      path: '/demo/index.html',
      referrer: '',
      channel: 'email',
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring',
      title: 'Spur & Sons Outfitters · Outdoor gear built to last',
    });
    // UTM fields come from each event's page URL: the landing page's events carry them, later
    // pages' events do not (the session keeps the channel).
    const utm = (r: EventRow) => [r.utm_source, r.utm_medium, r.utm_campaign].join('/');
    for (const r of rows) expect(utm(r), `${r.type} on ${r.url}`).toBe(r.page_id === landing0.event_id ? 'newsletter/email/spring' : '//');

    // Every event belongs to the page view before it, at consecutive positions 0, 1, 2, …: nothing lost.
    let pageId = '';
    let position = 0;
    for (const r of rows) {
      if (r.type === 'page_view') (pageId = r.event_id), (position = 0);
      expect({ type: r.type, page_id: r.page_id, seq: r.seq }).toEqual({ type: r.type, page_id: pageId, seq: position++ });
    }

    const searches = rows.filter((r) => r.type === 'search');
    expect.soft(searches.map((r) => [r.search_query, r.search_results]), 'one search per query, with its result count').toEqual([
      ['pack', 6],
      ['unicorn', 0],
    ]);
    expect(searches.filter((r) => r.search_query === 'unicorn').every((r) => r.url === `${shop.stack.shop}search.html?q=unicorn`)).toBe(true);
    expect(searches.filter((r) => r.search_query === 'unicorn').map((r) => r.search_results)).toContain(0);

    const byType = (type: string) => rows.filter((r) => r.type === type);
    expect(byType('view_item').map((r) => r.items)).toEqual([[item(1, '')]]);
    expect(byType('add_to_cart').map((r) => [r.items, r.value, r.currency])).toEqual([
      [[item(1)], 89.9, 'EUR'],
      [[item(1)], 89.9, 'EUR'],
    ]);
    expect(byType('view_cart').map((r) => [r.items, r.value, r.currency])).toEqual([[[item(2)], 179.8, 'EUR']]);
    expect(byType('remove_from_cart').map((r) => [r.items, r.value, r.currency])).toEqual([[[item(1)], 89.9, 'EUR']]);
    expect(byType('begin_checkout').map((r) => [r.items, r.value, r.currency])).toEqual([[[item(1)], 89.9, 'EUR']]);
    const purchases = byType('purchase');
    expect(purchases.map((r) => ({ items: r.items, value: r.value, currency: r.currency, transaction_id: r.transaction_id }))).toEqual([
      { items: [item(1)], value: 89.9, currency: 'EUR', transaction_id: order },
    ]);
    // The order belongs to the checkout step where "Place order" was clicked.
    expect(purchases[0]!.url).toBe(`${shop.stack.shop}cart.html?step=checkout&items=SKU-1007:1:Ochre`);
  });

  it('the cart → checkout → confirmation single-page flow, and Back and Forward through it, give one page_view per navigation and none twice', async () => {
    const since = Date.now();
    const shopper = await openShopper(shop.chromium.browser);
    const { page } = shopper;
    const cart = `${shop.stack.shop}cart.html?items=SKU-1010:1:Slate`;
    const checkout = `${shop.stack.shop}cart.html?step=checkout&items=SKU-1010:1:Slate`;

    await openShopPage(page, cart);
    await page.getByTestId('checkout').click();
    await page.waitForURL(checkout);
    await page.getByTestId('place-order').click();
    await page.waitForURL(/step=confirmation&order=T-/);
    const order = (await page.getByTestId('order-number').textContent())?.trim() ?? '';
    const confirmation = `${shop.stack.shop}cart.html?step=confirmation&order=${order}`;
    // Back to the checkout step (popstate: the cart is empty now, so the shop shows the cart)…
    await page.goBack();
    await page.waitForURL(checkout);
    await page.getByTestId('cart-empty').waitFor();
    // … back to the cart, and forward to the checkout step again.
    await page.goBack();
    await page.waitForURL(cart);
    await page.goForward();
    await page.waitForURL(checkout);
    expect(shopper.pageErrors).toEqual([]);
    expect(shopper.spurWarnings).toEqual([]);
    await shopper.leave(); // then close once the rows are in (see Shopper.leave)

    const expected = [cart, checkout, confirmation, checkout, cart, checkout];
    const rows = await waitForRows(shop.stack, SINCE, { since }, (r) => r.filter((x) => x.type === 'page_view').length >= expected.length, {
      what: 'six SPA page views',
    });
    await shopper.close();
    const views = rows.filter((r) => r.type === 'page_view');
    expect(views.map((r) => r.url), describeRows(rows)).toEqual(expected);
    expect(new Set(views.map((r) => r.event_id)).size).toBe(expected.length);
    // pushState steps carry the title the shop set before navigating.
    expect(views.slice(0, 3).map((r) => r.title)).toEqual([
      'Your cart · Spur & Sons Outfitters',
      'Shipping details · Spur & Sons Outfitters',
      'Order confirmed · Spur & Sons Outfitters',
    ]);
    // The steps' commerce events belong to the page view where the shopper clicked.
    const [cartView, checkoutView] = views;
    expect(rows.filter((r) => r.type === 'begin_checkout').map((r) => r.page_id)).toEqual([cartView!.event_id]);
    expect(rows.filter((r) => r.type === 'purchase').map((r) => [r.page_id, r.transaction_id])).toEqual([[checkoutView!.event_id, order]]);
    // Each page view is its own page: the events after it point to it.
    for (const r of rows) expect(views.some((v) => v.event_id === r.page_id)).toBe(true);
  });

  it('the collector serves the shop at /demo/ (and /demo redirects there, as the shop\'s README says)', async () => {
    const shopper = await openShopper(shop.chromium.browser);
    const { page } = shopper;
    const response = await page.goto(`${shop.stack.origin}/demo`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(shop.stack.shop);
    await page.locator('body.is-ready').waitFor({ timeout: 5_000 });
    await shopper.close();
  });

  it('looks like a shop: screenshots of the category page and of the order confirmation go to artifacts/', async () => {
    const shopper = await openShopper(shop.chromium.browser);
    const { page } = shopper;
    await openShopPage(page, `${shop.stack.shop}index.html`);
    await page.evaluate(() => Promise.all(Array.from(document.images).map((img) => (img.loading = 'eager', img.decode().catch(() => {})))));
    const category = await writeArtifact('demo-shop.png', await page.screenshot({ fullPage: true }));

    await openShopPage(page, `${shop.stack.shop}cart.html?items=SKU-1007:1:Ochre,SKU-1010:2:Slate`);
    await page.getByTestId('checkout').click();
    await page.getByTestId('place-order').click();
    await page.getByTestId('confirmation').waitFor();
    const confirmation = await writeArtifact('demo-shop-confirmation.png', await page.screenshot({ fullPage: true }));
    expect(shopper.pageErrors).toEqual([]);
    await shopper.close();

    for (const path of [category, confirmation]) {
      const png = await readFile(path);
      expect(png.subarray(1, 4).toString('latin1'), path).toBe('PNG');
      expect(png.length, path).toBeGreaterThan(20_000);
    }
  });
});
