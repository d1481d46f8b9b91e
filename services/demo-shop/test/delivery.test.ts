import { loadConfig } from '@spur/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SINCE,
  describeRows,
  eventRows,
  openShopPage,
  openShopper,
  sleep,
  startTinyServer,
  waitFor,
  waitForRows,
  writeArtifact,
  type TinyServer,
  useShopStack,
} from './shop-stack.js';

// Delivery, the way a shop lives it: events sent as the shopper leaves for another site, events
// that wait in the browser while the collector is down, and how long a click takes to become a
// row a data team can query. Tests in this file run one after another and tell their rows apart
// by time (all shoppers of one browser are the same cookie-free visitor, see shop-stack.ts).

const shop = useShopStack();
let partner: TinyServer;

beforeAll(async () => {
  // Another site (another origin: another port) that the shop links to.
  partner = await startTinyServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end('<!doctype html><title>Fjord Rentals</title><h1>Welcome to Fjord Rentals</h1>');
  });
});

afterAll(async () => {
  await partner?.close();
});

describe('delivery from the demo shop to ClickHouse', () => {
  it('a click on a link to another site arrives: it is sent as the page is left (beacon on pagehide)', async () => {
    const shopper = await openShopper(shop.chromium.browser);
    const { page } = shopper;
    await openShopPage(page, `${shop.stack.shop}index.html?cat=outerwear`);
    // The shop has no external link; the test adds one to its footer, as a shop would.
    const href = `${partner.url}/welcome?from=spur-shop`;
    await page.evaluate((url) => {
      const a = document.createElement('a');
      a.href = url;
      a.textContent = 'Rent a tent at Fjord Rentals';
      a.setAttribute('data-testid', 'partner-link');
      document.querySelector('.site-footer')!.append(a);
    }, href);
    const since = Date.now();
    await page.getByTestId('partner-link').click();
    await page.waitForURL(href);
    expect(await page.title()).toBe('Fjord Rentals');
    expect(partner.requests.some((r) => r.path === '/welcome?from=spur-shop')).toBe(true);

    // The shop page is gone: only what it sent while leaving can arrive.
    const rows = await waitForRows(shop.stack, `${SINCE} AND type = 'click'`, { since }, (r) => r.length > 0, { what: 'the click on the partner link' });
    expect(rows.map((r) => ({ tag: r.element_tag, text: r.element_text, href: r.element_href, url: r.url }))).toEqual([
      { tag: 'a', text: 'Rent a tent at Fjord Rentals', href, url: `${shop.stack.shop}index.html?cat=outerwear` },
    ]);
    expect(shopper.pageErrors).toEqual([]);
    await shopper.close();
  });

  it('a click is queryable in ClickHouse within 5 s with default settings (target: 3 s); the measurement goes to artifacts/e2e-latency.json', async () => {
    const shopper = await openShopper(shop.chromium.browser);
    const { page } = shopper;
    const since = Date.now();
    await openShopPage(page, `${shop.stack.shop}index.html`);
    // Start from a quiet page: its page_view has gone out and landed.
    await waitForRows(shop.stack, `${SINCE} AND type = 'page_view'`, { since }, (r) => r.length === 1, { settleMs: 0, what: 'the page view' });

    const clicks = ['SKU-1002', 'SKU-1004', 'SKU-1006', 'SKU-1008', 'SKU-1010'];
    const samples: number[] = [];
    for (const [i, sku] of clicks.entries()) {
      const button = page.locator(`[data-testid=product-card][data-product-id=${sku}] [data-testid=add-to-cart]`);
      await button.scrollIntoViewIfNeeded();
      const clickedAt = Date.now();
      await button.click();
      // Poll ClickHouse every 50 ms, as a dashboard would, until this click's row is there.
      await waitFor(
        async () => {
          const [row] = await shop.stack.query<{ n: string }>(
            `SELECT count() AS n FROM spur.events FINAL WHERE site_id = 'demo' AND type = 'click' AND ${SINCE}`,
            { since },
          );
          return Number(row?.n) > i;
        },
        { timeoutMs: 15_000, intervalMs: 50, what: `the row of the click on ${sku}` },
      );
      samples.push(Date.now() - clickedAt);
    }
    expect(shopper.pageErrors).toEqual([]);
    await shopper.close();

    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const max = sorted[sorted.length - 1]!;
    const config = loadConfig(shop.stack.env);
    const report = {
      what: 'click in headless Chromium → spur SDK → collector → row visible in spur.events FINAL (polled every 50 ms)',
      settings: {
        sdk: 'defaults: batch interval (flushMs) 2000 ms, batchSize 20',
        collectorFlushIntervalMs: config.flushIntervalMs,
      },
      samplesMs: samples,
      medianMs: median,
      maxMs: max,
      targetMs: 3000,
      boundMs: 5000,
      meetsTarget: max <= 3000,
      measuredAt: new Date().toISOString(),
    };
    const path = await writeArtifact('e2e-latency.json', JSON.stringify(report, null, 2) + '\n');
    console.log(
      `[e2e] click → ClickHouse latency: median ${median} ms, max ${max} ms over ${samples.length} clicks (${samples.join(', ')} ms); ` +
        `target 3000 ms ${max <= 3000 ? 'met' : 'NOT met'}; written to ${path}`,
    );
    expect(max).toBeLessThan(5000);
  });

  it('while the collector is down the shop keeps working; once it is back every action arrives exactly once: nothing lost, nothing doubled', async () => {
    const shopper = await openShopper(shop.chromium.browser);
    const { page } = shopper;
    const failed: string[] = [];
    page.on('requestfailed', (r) => {
      if (new URL(r.url()).pathname === '/v1/batch') failed.push(r.failure()?.errorText ?? '');
    });
    const since = Date.now();
    await openShopPage(page, `${shop.stack.shop}index.html?cat=footwear`);
    await waitForRows(shop.stack, `${SINCE} AND type = 'page_view'`, { since }, (r) => r.length === 1, { settleMs: 0, what: 'the page view' });

    const downAt = Date.now();
    await shop.stack.stopCollector();
    // Markup-only add to cart (odd SKU: the SDK alone emits add_to_cart, no click event),
    // two API adds (click + the shop's cart.add), and signing in (a click).
    await page.locator('[data-product-id=SKU-1005] [data-testid=add-to-cart]').click();
    await page.locator('[data-product-id=SKU-1004] [data-testid=add-to-cart]').click();
    await page.locator('[data-product-id=SKU-1006] [data-testid=add-to-cart]').click();
    await page.getByTestId('identify').click();
    await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('3');
    // The SDK sends after its batch interval (2 s), fails, and retries with backoff (1 s, 2 s, …).
    await expect.poll(() => failed.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await sleep(Math.max(0, downAt + 4000 - Date.now()));
    const backAt = Date.now();
    await shop.stack.startCollector();

    const expected = {
      'add_to_cart SKU-1004': 1,
      'add_to_cart SKU-1005': 1,
      'add_to_cart SKU-1006': 1,
      'click Add to cart': 2,
      'click Sign in as demo customer': 1,
    };
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    const rows = await waitForRows(shop.stack, `${SINCE} AND client_ts >= fromUnixTimestamp64Milli({downAt:Int64})`, { since, downAt }, (r) => r.length >= total, {
      timeoutMs: 30_000,
      settleMs: 2_000,
      what: 'the actions made while the collector was down',
    });
    const counts: Record<string, number> = {};
    for (const r of rows) {
      const key = r.type === 'click' ? `click ${r.element_text}` : `${r.type} ${r.items.map((i) => i.item_id).join(',')}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(counts, describeRows(rows)).toEqual(expected);
    // They were sent while the collector was down (and failed), and arrived after it came back.
    expect(failed.length).toBeGreaterThan(0);
    expect(shop.stack.batchRequests.filter((b) => b.at >= backAt).length).toBeGreaterThan(0);
    expect(rows.every((r) => Number(r.client_ts_ms) < backAt)).toBe(true);
    // Nothing from before the downtime was sent again under a new id either.
    expect((await eventRows(shop.stack, SINCE, { since })).filter((r) => r.type === 'page_view')).toHaveLength(1);
    expect(shopper.pageErrors).toEqual([]);
    await shopper.close();
  });
});
