import { findFreePort } from '@spur/clickhouse-embedded';
import { describe, expect, it } from 'vitest';
import {
  SINCE,
  describeRows,
  openShopPage,
  openShopper,
  sleep,
  startTinyServer,
  waitForRows,
  type Shopper,
  useShopStack,
} from './shop-stack.js';

// Robustness, seen from the shopper's browser: a strict Content-Security-Policy still tracks, and
// a tracker endpoint that is down or broken never breaks the page. Tests in this file run one
// after another and tell their rows apart by time (see shop-stack.ts).

const shop = useShopStack();

/**
 * Console messages of type 'error' that are not Chromium's own network log. Chromium logs every
 * failed subresource load itself, as an 'error' message whose text is "Failed to load resource:
 * net::ERR_…" (no answer: refused, reset, …) or "Failed to load resource: the server responded with
 * a status of NNN (…)", and whose location is the failed resource's own URL (no line number). Such
 * a line says that a request failed, not that the page did anything wrong, so it is excluded — but
 * only when it is about the tracker's endpoint, `endpoint` + /v1/batch. Anything else counts: an
 * uncaught exception's console report, a console.error from the SDK or the shop, a CSP report,
 * a CORS refusal, a failed load of anything but the endpoint.
 */
function pageConsoleErrors(shopper: Shopper, endpoint: string): string[] {
  const network = /^Failed to load resource: (net::ERR_[A-Z_]+|the server responded with a status of \d{3}( \(.*\))?)$/;
  return shopper.consoleErrors.filter((m) => !(network.test(m.text) && m.url === `${endpoint}/v1/batch`)).map((m) => `${m.text} @ ${m.url}`);
}

describe('the SDK on a strict or broken page', () => {
  it('a page under a strict Content-Security-Policy (nothing inline, connect-src \'self\') is tracked without a single violation', async () => {
    const csp = "default-src 'self'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'";
    const shopper = await openShopper(shop.chromium.browser);
    const { page, context } = shopper;
    await context.addInitScript(() => {
      const seen: string[] = ((window as any).__cspViolations = []);
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));
    });
    // The collector serves the demo statically; the test adds the header a strict shop would send.
    await page.route('**/demo/strict.html', async (route) => {
      const original = await route.fetch();
      await route.fulfill({ response: original, headers: { ...original.headers(), 'content-security-policy': csp } });
    });
    const since = Date.now();
    const response = await page.goto(`${shop.stack.shop}strict.html`);
    expect(response?.headers()['content-security-policy']).toBe(csp);
    await page.locator('body.is-ready').waitFor();
    await page.locator('[data-product-id=SKU-1004] [data-testid=add-to-cart]').click(); // API: click + add_to_cart
    await page.locator('[data-product-id=SKU-1001] [data-testid=add-to-cart]').click(); // markup: add_to_cart

    const rows = await waitForRows(shop.stack, SINCE, { since }, (r) => r.length >= 4, { what: 'the strict page\'s events' });
    expect(rows.map((r) => `${r.type} ${r.type === 'click' ? r.element_text : r.items.map((i) => i.item_id).join()}`), describeRows(rows)).toEqual([
      'page_view ',
      'click Add to cart',
      'add_to_cart SKU-1004',
      'add_to_cart SKU-1001',
    ]);
    expect(rows.every((r) => r.url === `${shop.stack.shop}strict.html`)).toBe(true);
    expect(await page.evaluate(() => (window as any).__cspViolations)).toEqual([]);
    expect(shopper.consoleErrors).toEqual([]);
    expect(shopper.pageErrors).toEqual([]);

    // The policy really is enforced on this page: an inline script is refused and reported.
    await page.addScriptTag({ content: 'window.inlineRan = true' }).catch(() => {});
    await expect.poll(() => page.evaluate(() => (window as any).__cspViolations.length)).toBe(1);
    expect(await page.evaluate(() => (window as any).inlineRan)).toBeUndefined();
    await shopper.close();
  });

  it('a tracker endpoint that is down, or answers 5xx, 429 and garbage, never causes an uncaught error or a console error on the page', async () => {
    const closedPort = await findFreePort(); // nothing listens there
    let answered = 0;
    const broken = await startTinyServer((req, res) => {
      // The SDK posts as a CORS "simple" request: a real (broken) collector still says who may read it.
      res.setHeader('access-control-allow-origin', '*');
      switch (answered++ % 6) {
        case 0:
          res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1><pre>at Object.<anonymous>');
          return;
        case 1:
          res.writeHead(200, { 'content-type': 'application/json' }).end('\u0000{"accepted": tru');
          return;
        case 2:
          res.writeHead(503, { 'retry-after': 'soon', 'content-type': 'application/json' }).end('{"code":"overloaded"');
          return;
        case 3:
          res.writeHead(429, { 'retry-after': '1' }).end();
          return;
        case 4:
          req.socket.destroy(); // no answer at all
          return;
        default:
          res.writeHead(400, { 'content-type': 'text/plain' }).end('nope');
      }
    });
    try {
      for (const endpoint of [`http://127.0.0.1:${closedPort}`, broken.url]) {
        // Every server here is on loopback, so Chromium's Local Network Access checks would refuse the
        // cross-port request before it reached the broken server; a collector on a public host is not
        // subject to them. Granting the permission lets the requests really go out.
        const shopper = await openShopper(shop.chromium.browser, { permissions: ['local-network-access'] });
        const { page } = shopper;
        const failedBatches: string[] = [];
        page.on('requestfailed', (r) => {
          if (r.url() === `${endpoint}/v1/batch`) failedBatches.push(r.failure()?.errorText ?? '');
        });
        // Every shop page, with the documented script tag pointed at the broken endpoint.
        await page.route(/\/demo\/[\w-]+\.html(\?|$)/, async (route) => {
          const original = await route.fetch();
          const body = (await original.text()).replace('<script defer src="/sdk.js" data-site="demo"', `<script defer src="/sdk.js" data-site="demo" data-endpoint="${endpoint}"`);
          await route.fulfill({ response: original, body });
        });
        const answeredBefore = answered;
        const atCollector = shop.stack.batchRequests.length;

        await openShopPage(page, `${shop.stack.shop}index.html`);
        expect(await page.locator('script[data-endpoint]').getAttribute('data-endpoint')).toBe(endpoint);
        await page.locator('[data-product-id=SKU-1002] [data-testid=add-to-cart]').click();
        await page.locator('[data-product-id=SKU-1003] [data-testid=add-to-cart]').click();
        await page.getByTestId('identify').click();
        await page.getByTestId('nav-camp-kitchen').click(); // leaving the page: beacon to the endpoint
        await page.waitForURL(/cat=camp-kitchen/);
        await page.locator('body.is-ready').waitFor();
        await page.locator('[data-product-id=SKU-1010] [data-testid=add-to-cart]').click();
        await page.getByTestId('cart-link').click();
        await page.waitForURL(/cart\.html/);
        await page.locator('body.is-ready').waitFor();
        await page.getByTestId('checkout').click();
        // Batch interval (2 s), then retries after about 1 s and 2 s.
        await sleep(4000);

        // The shop kept working …
        await page.getByTestId('place-order').click();
        await page.getByTestId('order-number').waitFor();
        // … the SDK really tried the endpoint (and nothing went to the default collector) …
        if (endpoint === broken.url) expect(answered - answeredBefore).toBeGreaterThan(1);
        else expect(failedBatches.length).toBeGreaterThan(0);
        expect(shop.stack.batchRequests.length - atCollector).toBe(0);
        // … and the page saw no error.
        expect(shopper.pageErrors, endpoint).toEqual([]);
        expect(pageConsoleErrors(shopper, endpoint), endpoint).toEqual([]);
        await shopper.close();
      }
    } finally {
      await broken.close();
    }
  });
});
