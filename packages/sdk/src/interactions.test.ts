// Clicks, searches (URL and forms, result counts) and events declared in markup.
import { describe, expect, it } from 'vitest';
import { browserSuite, html } from '../test/harness.js';

const t = browserSuite();
const FAST = 'data-flush-ms="50"';
/** Keeps clicked links from navigating (runs after the SDK's capture listener). */
const NO_NAV = `<script>document.addEventListener('click', (e) => { if (!e.target.closest('[data-nav]')) e.preventDefault(); });</script>`;

describe('clicks', () => {
  it('describes links and buttons as the protocol says, via one delegated listener', async () => {
    const url = t.server.page(
      '/',
      html({
        attrs: FAST,
        body: `
        <nav><ul>
          <li><a href="/home">Home</a></li>
          <li><a href="/sale?token=abc&amp;utm=x" id="sale-link" class="nav-link hot" data-spur-slot="top"><span>  Big
              sale  </span> <b>now</b></a></li>
        </ul></nav>
        <main><div><section><article><button class="buy">Buy  it</button><button>Second</button></article></section></div>
        <div id="plain">not interesting</div>
        <a href="mailto:jane.doe@example.com" id="mail">Mail us</a>
        <button id="long">${'word '.repeat(60)}</button></main>${NO_NAV}`,
      }),
    );
    const { page } = await t.open(url);
    await page.click('a[href="/home"]');
    await page.click('#sale-link span');
    await page.click('button.buy');
    await page.click('#plain');
    await page.click('#mail');
    await page.click('#long');
    const clicks = await t.server.until((e) => {
      const c = e.filter((x) => x.type === 'click');
      return c.length >= 5 && c;
    }, '5 clicks');
    await new Promise((r) => setTimeout(r, 150));
    expect(t.server.ofType('click')).toHaveLength(5);
    const [home, sale, buy, mail, long] = clicks.map((c) => (c.type === 'click' ? c.element : undefined));
    expect(home).toEqual({
      tag: 'a',
      text: 'Home',
      selector: 'ul:nth-child(1)>li:nth-child(1)>a:nth-child(1)',
      id: '',
      classes: [],
      href: `${t.server.origin}/home`,
      attrs: {},
    });
    expect(sale).toEqual({
      tag: 'a',
      text: 'Big sale now',
      selector: '#sale-link',
      id: 'sale-link',
      classes: ['nav-link', 'hot'],
      href: `${t.server.origin}/sale?utm=x`,
      attrs: { slot: 'top' },
    });
    expect(buy).toMatchObject({ tag: 'button', text: 'Buy it', selector: 'section:nth-child(1)>article:nth-child(1)>button:nth-child(1)', classes: ['buy'] });
    expect(buy).not.toHaveProperty('href');
    expect(mail).toMatchObject({ href: 'mailto:[email]', text: 'Mail us' });
    expect(long!.text!.length).toBe(100);
    // One page view, then the clicks in order, numbered within the page view.
    expect(t.server.events().map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('never sends what was typed into inputs', async () => {
    const url = t.server.page(
      '/form',
      html({ attrs: FAST, body: `<form><label>Card <input id="card" name="card"></label><textarea id="note"></textarea><button type="button" id="check">Check</button></form>` }),
    );
    const { page } = await t.open(url);
    await page.fill('#card', '4111 1111 1111 1111');
    await page.fill('#note', 'SECRET-NOTE');
    await page.click('#card');
    await page.click('#check');
    await t.server.until((e) => e.some((x) => x.type === 'click'), 'click');
    const sent = t.server.received.map((r) => r.raw).join('\n');
    expect(sent).not.toContain('4111');
    expect(sent).not.toContain('SECRET-NOTE');
  });
});

describe('search', () => {
  it('reads the query from URL parameters on each page view, once per query, with the markup count', async () => {
    const url = t.server.page('/search', html({ attrs: FAST, body: '<p id="count" data-spur-results="0">Nothing found</p>' }));
    const { page } = await t.open(`${url}?q=red+shoes&page=2`);
    await t.server.until((e) => e.some((x) => x.type === 'search'), 'search');
    await page.evaluate(async () => {
      history.pushState({}, '', '/search?q=red+shoes&page=3'); // same query: not again
      document.getElementById('count')!.remove();
      history.pushState({}, '', '/search?s=boots');
    });
    await t.server.until((e) => e.filter((x) => x.type === 'search').length >= 2, 'second search');
    await new Promise((r) => setTimeout(r, 150));
    expect(t.server.ofType('search').map(({ query, results }) => ({ query, results }))).toEqual([
      { query: 'red shoes', results: 0 },
      { query: 'boots', results: undefined },
    ]);
    expect(t.server.ofType('page_view')).toHaveLength(3);
  });

  it('a GET search form that navigates is reported once, by the results page', async () => {
    t.server.page('/results', html({ attrs: FAST, body: '<div data-spur-results="12">12 products</div>' }));
    const url = t.server.page('/form', html({ attrs: FAST, body: '<form action="/results"><input name="q"><button>Go</button></form>' }));
    const { page } = await t.open(url);
    await page.fill('input[name=q]', 'running shoes');
    await Promise.all([page.waitForURL('**/results?q=running+shoes'), page.click('button')]);
    await t.server.until((e) => e.some((x) => x.type === 'search'), 'search');
    await new Promise((r) => setTimeout(r, 300));
    const searches = t.server.ofType('search');
    expect(searches.map(({ query, results }) => ({ query, results }))).toEqual([{ query: 'running shoes', results: 12 }]);
    expect(new URL(searches[0]!.url).pathname).toBe('/results');
  });

  it('a form handled by script is reported at submit; the URL it pushes does not repeat it', async () => {
    const url = t.server.page(
      '/spa',
      html({
        attrs: FAST,
        body: `<form id="f"><input type="search" name="q"></form><form id="g"><input type="search" name="term"></form>
        <script>
          document.getElementById('f').addEventListener('submit', (e) => { e.preventDefault(); history.pushState({}, '', '/search?q=' + encodeURIComponent(e.target.q.value)); });
          document.getElementById('g').addEventListener('submit', (e) => e.preventDefault());
        </script>`,
      }),
    );
    const { page } = await t.open(url);
    await page.fill('#f input', 'boots');
    await page.press('#f input', 'Enter');
    await page.fill('#g input', '  blue   kettle ');
    await page.press('#g input', 'Enter');
    await t.server.until((e) => e.filter((x) => x.type === 'search').length >= 2, 'two searches');
    await new Promise((r) => setTimeout(r, 200));
    const events = t.server.events();
    expect(events.filter((e) => e.type === 'search').map((e) => e.type === 'search' && e.query)).toEqual(['boots', 'blue kettle']);
    // The submit belongs to the page it happened on: reported before the page view it caused.
    const [first, search, second] = events;
    expect([first?.type, search?.type, second?.type]).toEqual(['page_view', 'search', 'page_view']);
    expect(search!.page_id).toBe(first!.id);
    expect(new URL(second!.url).search).toBe('?q=boots');
  });

  it('a navigating form whose input is not a search parameter is reported at submit (by beacon)', async () => {
    t.server.page('/found', html({ attrs: FAST }));
    const url = t.server.page('/form2', html({ attrs: 'data-flush-ms="60000"', body: '<form action="/found"><input type="search" name="term"><button>Go</button></form>' }));
    const { page } = await t.open(url);
    await page.fill('input', 'socks');
    await Promise.all([page.waitForURL('**/found?term=socks'), page.click('button')]);
    await t.server.until((e) => e.some((x) => x.type === 'search') && e.filter((x) => x.type === 'page_view').length >= 2, 'search + 2 page views');
    await new Promise((r) => setTimeout(r, 200));
    const searches = t.server.ofType('search');
    expect(searches.map((s) => s.query)).toEqual(['socks']);
    expect(new URL(searches[0]!.url).pathname).toBe('/form2');
  });
});

describe('events declared in markup', () => {
  const CART = `
    <button id="add" data-spur-event="add_to_cart" data-spur-item-id="SKU-1" data-spur-item-name="Runner"
      data-spur-item-price="89.90" data-spur-item-quantity="2" data-spur-item-category="Shoes" data-spur-item-brand="Acme"
      data-spur-item-variant="42" data-spur-currency="EUR"><span>Add to cart</span></button>
    <a href="/thanks" id="buy" data-spur-event="purchase" data-spur-transaction-id="T-1001" data-spur-value="99.5"
      data-spur-currency="EUR" data-spur-item-id="SKU-2">Buy now</a>
    <button id="cart" data-spur-event="view_cart">Cart</button>
    <div id="news" data-spur-event="newsletter_signup" data-spur-list="weekly" data-spur-step="2">Sign up</div>
    <button id="broken" data-spur-event="add_to_cart">No item id</button>
    <button id="half" data-spur-event="remove_from_cart" data-spur-item-id="SKU-3" data-spur-item-quantity="2.5">Bad quantity</button>
    ${NO_NAV}`;

  it('emits the declared cart event instead of a click, once per click, with typed item fields', async () => {
    const url = t.server.page('/product', html({ attrs: `${FAST} data-debug`, body: CART }));
    const { page, console: messages } = await t.open(url);
    await page.click('#add span');
    await page.click('#add');
    await page.click('#buy');
    await page.click('#cart');
    await page.click('#news');
    await page.click('#broken');
    await page.click('#half');
    await t.server.until((e) => e.filter((x) => x.type !== 'page_view').length >= 5, 'five events');
    await new Promise((r) => setTimeout(r, 200));
    const events = t.server.events().filter((e) => e.type !== 'page_view');
    expect(events.map((e) => e.type)).toEqual(['add_to_cart', 'add_to_cart', 'purchase', 'view_cart', 'custom']);
    expect(events[0]).toMatchObject({
      currency: 'EUR',
      value: 179.8,
      items: [{ item_id: 'SKU-1', item_name: 'Runner', item_category: 'Shoes', item_brand: 'Acme', item_variant: '42', price: 89.9, quantity: 2 }],
    });
    expect(events[2]).toMatchObject({ transaction_id: 'T-1001', value: 99.5, currency: 'EUR', items: [{ item_id: 'SKU-2', quantity: 1 }] });
    expect(events[3]).toMatchObject({ items: [] });
    expect(events[4]).toMatchObject({ name: 'newsletter_signup', props: { list: 'weekly', step: '2' } });
    // The two broken declarations are dropped, with one debug warning each.
    expect(messages.filter((m) => m.startsWith('warning: [spur]'))).toHaveLength(2);
  });
});
