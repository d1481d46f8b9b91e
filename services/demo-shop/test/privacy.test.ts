import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  SINCE,
  describeRows,
  eventRows,
  openShopPage,
  openShopper,
  sleep,
  waitForRows,
  useShopStack,
} from './shop-stack.js';

// Privacy, seen from the shopper's browser: nothing stored, Global Privacy Control and opt-out
// honoured. Tests in this file run one after another and tell their rows apart by time (all
// shoppers of one browser are the same cookie-free visitor, see shop-stack.ts).

const shop = useShopStack();

/** Everything a page could have left in the browser, from inside the page. */
async function browserStorage(page: Page) {
  return page.evaluate(async () => ({
    cookie: document.cookie,
    localStorage: Object.fromEntries(Object.entries(localStorage)),
    sessionStorage: sessionStorage.length,
    indexedDB: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
    serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
  }));
}

/** A session of clicks, searches, cart actions and SPA navigation; ends on the confirmation page. */
async function goShopping(page: Page, marker?: string): Promise<string> {
  await page.getByTestId('nav-footwear').click();
  await page.waitForURL(/cat=footwear/);
  await page.locator('body.is-ready').waitFor();
  await page.locator('[data-product-id=SKU-1004] [data-testid=add-to-cart]').click(); // API
  await page.locator('[data-product-id=SKU-1005] [data-testid=add-to-cart]').click(); // markup only
  await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('2');
  await page.getByTestId('search-input').fill('boots');
  await page.getByTestId('search-submit').click();
  await page.waitForURL(/search\.html\?q=boots/);
  await page.locator('body.is-ready').waitFor();
  await page.getByTestId('cart-link').click();
  await page.waitForURL(/cart\.html/);
  await page.locator('body.is-ready').waitFor();
  await page.getByTestId('qty-increase').first().click();
  await page.getByTestId('checkout').click(); // SPA: pushState
  await page.waitForURL(/step=checkout/);
  if (marker) await page.getByTestId('checkout-name').fill(marker);
  await page.getByTestId('place-order').click(); // SPA: pushState
  await page.getByTestId('order-number').waitFor();
  return (await page.getByTestId('order-number').textContent()) ?? '';
}

describe('privacy in the shopper\'s browser', () => {
  it('a whole session (clicks, searches, cart, SPA checkout) is tracked without storing anything in the browser: no cookie, no Web Storage, no IndexedDB', async () => {
    const shopper = await openShopper(shop.chromium.browser);
    const { page, context } = shopper;
    const since = Date.now();
    const marker = `Marker ${randomUUID()}`;
    await openShopPage(page, `${shop.stack.shop}index.html`);
    const order = await goShopping(page, marker);

    // It was tracked…
    const rows = await waitForRows(shop.stack, SINCE, { since }, (r) => r.some((x) => x.type === 'purchase') && r.filter((x) => x.type === 'page_view').length >= 6, {
      what: 'the session',
    });
    expect(rows.find((r) => r.type === 'purchase')?.transaction_id).toBe(order.trim());
    // … and what was typed into the checkout form never left the page.
    expect(JSON.stringify(rows)).not.toContain(marker);
    expect(JSON.stringify(shopper.batches)).not.toContain(marker);

    // … and nothing is kept in the browser: not by the SDK, not by the shop.
    for (const url of [page.url(), `${shop.stack.shop}index.html`]) {
      if (url !== page.url()) await openShopPage(page, url);
      expect(await browserStorage(page), url).toEqual({ cookie: '', localStorage: {}, sessionStorage: 0, indexedDB: [], caches: [], serviceWorkers: 0 });
    }
    expect(await context.cookies()).toEqual([]);
    expect(shopper.pageErrors).toEqual([]);
    expect(shopper.spurWarnings).toEqual([]);
    await shopper.close();
  });

  it('with Global Privacy Control on, nothing is sent and nothing is stored', async () => {
    // Chromium has no switch for GPC: send the header and define navigator.globalPrivacyControl,
    // as a browser with GPC on does.
    const shopper = await openShopper(shop.chromium.browser, { extraHTTPHeaders: { 'Sec-GPC': '1' } });
    const { page, context } = shopper;
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true }));
    let seenByPage = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v1/batch') seenByPage++;
    });
    const since = Date.now();
    const atCollector = shop.stack.batchRequests.length;

    await openShopPage(page, `${shop.stack.shop}index.html?utm_source=newsletter&utm_medium=email&utm_campaign=gpc`);
    expect(await page.evaluate(() => (navigator as any).globalPrivacyControl)).toBe(true);
    const order = await goShopping(page);
    expect(order).toMatch(/^T-/); // the shop works as usual
    await sleep(2500); // longer than the SDK's batch interval (2 s)
    await page.goto(`${shop.stack.shop}index.html`); // leaving a page flushes: nothing to flush either
    const storage = await browserStorage(page);
    const cookies = await context.cookies();
    await shopper.close();
    await sleep(1000); // a beacon reaches the collector within milliseconds

    expect(seenByPage).toBe(0);
    // Playwright does not see beacons sent while a page is left; the collector sees everything.
    expect(shop.stack.batchRequests.length - atCollector).toBe(0);
    expect(describeRows(await eventRows(shop.stack, SINCE, { since }))).toBe('');
    expect(storage).toEqual({ cookie: '', localStorage: {}, sessionStorage: 0, indexedDB: [], caches: [], serviceWorkers: 0 });
    expect(cookies).toEqual([]);
    expect(shopper.pageErrors).toEqual([]);
  });

  it('after "Opt out of analytics" nothing is sent, also after a reload; only the documented opt-out flag is stored', async () => {
    const shopper = await openShopper(shop.chromium.browser);
    const { page, context } = shopper;
    let seenByPage = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v1/batch') seenByPage++;
    });
    const since = Date.now();
    await openShopPage(page, `${shop.stack.shop}index.html`);
    // Tracking is on: the page view arrives.
    await waitForRows(shop.stack, SINCE, { since }, (r) => r.length === 1, { settleMs: 0, what: 'the page view' });

    await page.getByTestId('opt-out').click();
    await expect.poll(() => page.getByTestId('privacy-status').textContent()).toContain('Analytics is off');
    const optedOut = Date.now();
    const seenBefore = seenByPage;
    const atCollector = shop.stack.batchRequests.length;

    await page.locator('[data-product-id=SKU-1002] [data-testid=add-to-cart]').click();
    await page.locator('[data-product-id=SKU-1003] [data-testid=add-to-cart]').click();
    await page.getByTestId('identify').click();
    await page.reload();
    await page.locator('body.is-ready').waitFor();
    const order = await goShopping(page);
    expect(order).toMatch(/^T-/);
    await sleep(2500); // longer than the SDK's batch interval (2 s)
    const storage = await browserStorage(page);
    const cookies = await context.cookies();
    await page.goto(`${shop.stack.shop}index.html`); // leaving a page flushes: nothing to flush either
    await shopper.close();
    await sleep(1000); // a beacon reaches the collector within milliseconds

    expect(seenByPage - seenBefore).toBe(0);
    expect(shop.stack.batchRequests.length - atCollector).toBe(0);
    expect(describeRows(await eventRows(shop.stack, 'client_ts >= fromUnixTimestamp64Milli({t:Int64})', { t: optedOut }))).toBe('');
    expect(storage).toEqual({ cookie: '', localStorage: { 'spur:optout': '1' }, sessionStorage: 0, indexedDB: [], caches: [], serviceWorkers: 0 });
    expect(cookies).toEqual([]);
    expect(shopper.pageErrors).toEqual([]);
  });
});
