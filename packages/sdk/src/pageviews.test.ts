// Automatic page views: on load, on SPA navigation (history and hash modes), never twice.
import type { EventInput } from '@spur/protocol';
import { describe, expect, it } from 'vitest';
import { browserSuite, html } from '../test/harness.js';

const t = browserSuite();

const path = (e: EventInput) => new URL(e.url).pathname + new URL(e.url).search + new URL(e.url).hash;

describe('page views', () => {
  it('reports one page_view on load, with title, URL and its own id as page_id', async () => {
    const url = t.server.page('/', html({ attrs: 'data-flush-ms="50"', title: 'Home' }));
    const opened = await t.open(url);
    const [pv] = await t.server.until((e) => e.length > 0 && e, 'page_view');
    expect(pv).toMatchObject({ type: 'page_view', url: `${t.server.origin}/`, title: 'Home', seq: 0 });
    expect(pv!.page_id).toBe(pv!.id);
    expect(Math.abs(pv!.ts - Date.now())).toBeLessThan(10_000);
    const batch = t.server.received[0]!;
    expect(batch.path).toBe('/v1/batch');
    expect(batch.body).toMatchObject({ site: 'demo', sdk: 'spur-js/0.1.0', dropped: 0 });
    expect(batch.body.sent_at).toBeGreaterThanOrEqual(pv!.ts);
  });

  it('posts to the directory the script was loaded from (a proxied /spur/ prefix is first-party)', async () => {
    const url = t.server.page('/shop', html({ attrs: 'data-flush-ms="50"', src: '/spur/sdk.js' }));
    const opened = await t.open(url);
    await t.server.until((e) => e.length, 'page_view');
    expect(t.server.received.map((r) => r.path)).toEqual(['/spur/v1/batch']);
  });

  it('counts SPA navigations once each: pushState, replaceState of another path, popstate; no duplicates', async () => {
    const url = t.server.page('/', html({ attrs: 'data-flush-ms="50"' }));
    const opened = await t.open(url);
    const { page } = opened;
    await t.server.until((e) => e.length, 'first page_view');
    const returned = await page.evaluate(async () => {
      const tick = () => new Promise((r) => setTimeout(r, 20));
      const r = history.pushState({ a: 1 }, '', '/a');
      history.pushState({}, '', '/a'); // same URL again: not a new page view
      history.replaceState({}, '', '/a#section'); // same path + search: not one either
      history.replaceState({}, '', '/b'); // another path: counts
      history.pushState({}, '', '/c?x=1');
      await tick();
      history.back(); // popstate → /b
      await tick();
      return r;
    });
    expect(returned).toBeUndefined();
    const views = await t.server.until((e) => e.filter((x) => x.type === 'page_view').length >= 5 && e.filter((x) => x.type === 'page_view'), '5 page views');
    await new Promise((r) => setTimeout(r, 200));
    const all = t.server.ofType('page_view');
    expect(all.map(path)).toEqual(['/', '/a', '/b', '/c?x=1', '/b']);
    expect(new Set(all.map((v) => v.page_id)).size).toBe(5);
    expect(all.every((v) => v.seq === 0 && v.page_id === v.id)).toBe(true);
    expect(all.slice(1).map((v) => v.referrer && new URL(v.referrer).pathname)).toEqual(['/', '/a', '/b', '/c']);
    expect(views.length).toBe(5);
  });

  it('still runs the original history functions, also when a hook of ours throws or the call itself throws', async () => {
    const url = t.server.page('/', html({ attrs: 'data-flush-ms="50"' }));
    const opened = await t.open(url);
    const { page } = opened;
    const result = await page.evaluate(() => {
      (window as any).spur.beforeSend(() => {
        throw new Error('hook failure');
      });
      history.pushState({ n: 1 }, '', '/after');
      let error = '';
      try {
        history.pushState({}, '', 'http://other.example/'); // the browser refuses: must still throw
      } catch (e) {
        error = (e as Error).name;
      }
      return { path: location.pathname, state: history.state, error };
    });
    expect(result).toEqual({ path: '/after', state: { n: 1 }, error: 'SecurityError' });
  });

  it('spa="hash" also counts fragment changes; the default (history) ignores them', async () => {
    const hashUrl = t.server.page('/hash', html({ attrs: 'data-flush-ms="50" data-spa="hash"' }));
    const opened = await t.open(hashUrl);
    await opened.page.evaluate(() => {
      location.hash = '#/products';
    });
    await t.server.until((e) => e.filter((x) => x.type === 'page_view').length >= 2, 'hash page view');
    expect(t.server.ofType('page_view').map(path)).toEqual(['/hash', '/hash#/products']);
    await opened.context.close();
    t.server.reset();

    const url = t.server.page('/plain', html({ attrs: 'data-flush-ms="50"' }));
    const plain = await t.open(url);
    await plain.page.evaluate(async () => {
      location.hash = '#reviews';
      await new Promise((r) => setTimeout(r, 200));
    });
    await t.server.until((e) => e.length, 'page view');
    expect(t.server.ofType('page_view').map(path)).toEqual(['/plain']);
  });

  it('spa="off" reports only the load; spur.page() reports a page view on demand', async () => {
    const url = t.server.page('/', html({ attrs: 'data-flush-ms="50" data-spa="off"' }));
    const opened = await t.open(url);
    await opened.page.evaluate(() => {
      history.pushState({}, '', '/x');
      (window as any).spur.page();
    });
    await t.server.until((e) => e.length >= 2, 'manual page view');
    expect(t.server.ofType('page_view').map(path)).toEqual(['/', '/x']);
  });
});
