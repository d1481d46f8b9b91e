// Realistic batch bodies for POST /v1/batch, generated once per run from a fixed seed, with
// fresh event ids stamped into every request cheaply.
//
// A body is one shopper's stretch of browsing: page views of home, category, product, search,
// cart and checkout pages, each followed by what happens on that page (clicks with the element
// described, a search — some find nothing —, view_item, add_to_cart with 1–3 items, view_cart,
// remove_from_cart, begin_checkout, now and then a purchase, a custom newsletter event).
// Landing pages carry UTM parameters or a click id on some bodies.
//
// Ids: each body is kept as a template split at its id placeholders. Per request, stamp(counter)
// joins the parts with ids `<nonce>-<body>-4<event index>-<rand>-<counter, 12 hex>`: unique per
// event as long as the counter is unique per request (it is: one global counter per run, and the
// nonce is random per run). A page view's id is also its events' page_id, as the SDK does it.

import { randomBytes } from 'node:crypto';

/** Deterministic PRNG (mulberry32): the same bodies every run, so runs compare. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOST = 'https://shop.example';
const CATEGORIES = [
  ['shoes', 'Shoes'],
  ['shoes/trail', 'Trail shoes'],
  ['jackets', 'Jackets'],
  ['backpacks', 'Backpacks'],
  ['tents', 'Tents'],
  ['socks', 'Socks'],
  ['sale', 'Sale'],
];
const BRANDS = ['Spur', 'Northridge', 'Alpenglow', 'Cascade', 'Fjordline'];
const ADJ = ['Trail', 'Summit', 'Ridge', 'Canyon', 'Glacier', 'Meadow', 'Harbor', 'Timber'];
const NOUN = ['Runner', 'Shell Jacket', 'Daypack 24', 'Tent 2P', 'Merino Socks', 'Fleece', 'Rain Pants', 'Hiker Mid'];
const VARIANTS = ['S', 'M', 'L', 'XL', '42', '43', '44', 'blue', 'black', 'olive'];
const QUERIES = ['trail runner', 'rain jacket', 'merino', 'tent 2 person', 'daypack', 'gore-tex', 'hiking boots women', 'unicorn', 'socks', 'headlamp', 'sleeping bag -5', 'gift card'];
const CAMPAIGNS = [
  'utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale',
  'utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=spur%20outfitters',
  'utm_source=instagram&utm_medium=social&utm_campaign=trail_season&utm_content=reel_3',
  'gclid=Cj0KCQjw-example-click-id',
  'fbclid=IwAR-example-click-id',
];
const REFERRERS = ['https://www.google.com/', 'https://duckduckgo.com/', 'https://www.instagram.com/', 'https://news.example/outdoor-gear-2026', ''];
const NAV = ['Shoes', 'Jackets', 'Backpacks', 'Tents', 'Sale', 'Stores', 'Help'];

/** Realistic User-Agent headers; the bench varies them per request (and X-Forwarded-For). */
export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
];

const PAGE_KINDS = [
  ['home', 15],
  ['category', 24],
  ['product', 30],
  ['search', 12],
  ['cart', 8],
  ['checkout', 5],
  ['done', 2],
  ['content', 4],
];

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}
function weighted(r, entries) {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of entries) if ((x -= w) < 0) return v;
  return entries[entries.length - 1][0];
}
function product(r) {
  const n = Math.floor(r() * 4000) + 1000;
  const [slug, category] = pick(r, CATEGORIES);
  return {
    item_id: `SKU-${n}`,
    item_name: `${pick(r, ADJ)} ${pick(r, NOUN)}`,
    item_category: category,
    item_brand: pick(r, BRANDS),
    item_variant: pick(r, VARIANTS),
    price: Math.round((9 + r() * 290) * 100) / 100,
    quantity: r() < 0.85 ? 1 : 2,
    slug,
  };
}
function items(r, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const { slug, ...item } = product(r);
    out.push(item);
  }
  return out;
}
const value = (list) => Math.round(list.reduce((s, i) => s + (i.price ?? 0) * (i.quantity ?? 1), 0) * 100) / 100;

/** One body's events (without ids) for `count` events. */
function journey(r, count, startTs) {
  const events = [];
  let ts = startTs;
  let prevUrl = '';
  let landing = true;
  let cart = items(r, 1 + Math.floor(r() * 3));
  while (events.length < count) {
    const kind = landing && r() < 0.5 ? pick(r, ['home', 'category', 'product']) : weighted(r, PAGE_KINDS);
    let path;
    let title;
    const p = product(r);
    const query = pick(r, QUERIES);
    switch (kind) {
      case 'home': path = '/'; title = 'Spur Outfitters — gear for the trail'; break;
      case 'category': { const [slug, name] = pick(r, CATEGORIES); path = `/c/${slug}${r() < 0.3 ? `?sort=price_asc&page=${1 + Math.floor(r() * 4)}` : ''}`; title = `${name} | Spur Outfitters`; break; }
      case 'product': path = `/p/${p.item_id.toLowerCase()}-${p.item_name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}${r() < 0.2 ? `?variant=${p.item_variant}` : ''}`; title = `${p.item_name} — ${p.item_brand} | Spur Outfitters`; break;
      case 'search': path = `/search?q=${encodeURIComponent(query)}`; title = `Search: ${query} | Spur Outfitters`; break;
      case 'cart': path = '/cart'; title = 'Your cart | Spur Outfitters'; break;
      case 'checkout': path = '/checkout'; title = 'Checkout | Spur Outfitters'; break;
      case 'done': path = '/checkout/done'; title = 'Thank you for your order | Spur Outfitters'; break;
      default: path = pick(r, ['/about', '/stores/berlin', '/help/shipping', '/blog/packing-list-alps']); title = 'Spur Outfitters';
    }
    let url = `${HOST}${path}`;
    if (landing && r() < 0.35) url += `${url.includes('?') ? '&' : '?'}${pick(r, CAMPAIGNS)}`;
    const referrer = landing ? pick(r, REFERRERS) : prevUrl;
    landing = false;
    prevUrl = url;

    const page = events.length; // index of the page view = its page_id
    let seq = 0;
    const push = (event) => {
      if (events.length >= count) return;
      ts += 200 + Math.floor(r() * (event.type === 'page_view' ? 15_000 : 4_000));
      events.push({ ...event, ts, url, page, seq: seq++ });
    };
    push({ type: 'page_view', referrer, title });
    const clicks = () => {
      const n = r() < 0.5 ? 0 : 1 + Math.floor(r() * 2);
      for (let i = 0; i < n; i++) {
        const navText = pick(r, NAV);
        const onProduct = r() < 0.5;
        push({
          type: 'click',
          element: onProduct
            ? { tag: 'a', text: p.item_name, selector: `main .product-grid > li:nth-of-type(${1 + Math.floor(r() * 24)}) a.card`, classes: ['card', 'card--product'], href: `${HOST}/p/${p.item_id.toLowerCase()}`, attrs: { slot: 'grid', position: String(1 + Math.floor(r() * 24)) } }
            : { tag: r() < 0.7 ? 'a' : 'button', text: navText, selector: `header nav > a:nth-of-type(${1 + NAV.indexOf(navText)})`, id: r() < 0.3 ? `nav-${navText.toLowerCase()}` : undefined, href: `${HOST}/c/${navText.toLowerCase()}`, attrs: { slot: 'nav' } },
        });
      }
    };
    switch (kind) {
      case 'product': {
        const { slug, ...item } = p;
        push({ type: 'view_item', currency: 'EUR', value: item.price, items: [item] });
        clicks();
        if (r() < 0.3) {
          const added = [item, ...items(r, Math.floor(r() * 3))].slice(0, 1 + Math.floor(r() * 3));
          cart = [...added, ...cart].slice(0, 3);
          push({ type: 'add_to_cart', currency: 'EUR', value: value(added), items: added });
        }
        break;
      }
      case 'search': {
        const zero = r() < 0.2;
        push({ type: 'search', query, results: zero ? 0 : 1 + Math.floor(r() * 120) });
        if (!zero) clicks();
        break;
      }
      case 'cart':
        push({ type: 'view_cart', currency: 'EUR', value: value(cart), items: cart });
        if (r() < 0.2 && cart.length > 1) {
          const removed = cart.slice(-1);
          cart = cart.slice(0, -1);
          push({ type: 'remove_from_cart', currency: 'EUR', value: value(removed), items: removed });
        }
        break;
      case 'checkout':
        push({ type: 'begin_checkout', currency: 'EUR', value: value(cart), items: cart });
        break;
      case 'done':
        push({ type: 'purchase', transaction_id: `T-${Math.floor(r() * 1e9)}`, currency: 'EUR', value: value(cart), items: cart });
        break;
      case 'content':
        if (r() < 0.5) push({ type: 'custom', name: 'newsletter_signup', props: { list: 'weekly', double_opt_in: true, position: 'footer' } });
        clicks();
        break;
      default:
        clicks();
    }
  }
  return events;
}

const hex = (n, width) => n.toString(16).padStart(width, '0');

/**
 * Builds `count` distinct bodies of `batch` events each for `site`.
 * Returns { batch, templates: [{ parts, slots, bytes }], nonce, avgBytes, typeMix }.
 */
export function buildBodies({ site, batch, count = 200, seed = 1, nonce = randomBytes(4).toString('hex') }) {
  const r = rng(seed * 7919 + batch);
  const now = Date.now();
  const templates = [];
  const typeMix = {};
  let totalBytes = 0;
  for (let b = 0; b < count; b++) {
    const start = now - 10 * 60_000 - Math.floor(r() * 30 * 60_000);
    const events = journey(r, batch, start);
    const sentAt = events[events.length - 1].ts + 300 + Math.floor(r() * 3000);
    const wire = events.map((e, i) => {
      typeMix[e.type] = (typeMix[e.type] ?? 0) + 1;
      const { page, ...rest } = e;
      const out = { id: `@@ID${i}@@`, type: e.type, ts: e.ts, url: e.url };
      for (const [k, v] of Object.entries(rest)) if (!(k in out) && k !== 'seq' && v !== undefined) out[k] = v;
      out.page_id = `@@ID${page}@@`;
      out.seq = e.seq;
      return out;
    });
    const json = JSON.stringify({ site, sent_at: sentAt, sdk: 'spur-js/0.1.0', events: wire });
    const pieces = json.split(/@@ID(\d+)@@/);
    const parts = [];
    const slots = [];
    for (let i = 0; i < pieces.length; i++) {
      if (i % 2 === 0) parts.push(pieces[i]);
      else slots.push(Number(pieces[i]));
    }
    // Per slot: the id without its 12-hex counter suffix (random middle, event index in group 3).
    const byIndex = events.map((_, e) => `${nonce}-${hex(b, 4)}-4${hex(e, 3)}-${'89ab'[Math.floor(r() * 4)]}${hex(Math.floor(r() * 4096), 3)}-`);
    const prefixes = slots.map((e) => byIndex[e]);
    const template = { parts, prefixes };
    totalBytes += Buffer.byteLength(stamp(template, 0));
    templates.push(template);
  }
  return { batch, templates, nonce, avgBytes: totalBytes / count, typeMix };
}

/** The body of template `t` with ids for request number `counter`. */
export function stamp(t, counter) {
  const suffix = hex(counter, 12);
  const { parts, prefixes } = t;
  let out = parts[0];
  for (let i = 0; i < prefixes.length; i++) out += prefixes[i] + suffix + parts[i + 1];
  return out;
}

/** X-Forwarded-For values: ~30,000 distinct visitors with the UA pool (header values only). */
export function visitorHeaders(counter) {
  const v = (counter * 2654435761) >>> 0;
  const ip = `${['192.0.2', '198.51.100', '203.0.113'][v % 3]}.${(v >>> 2) % 254 + 1}`;
  return { ip, ua: USER_AGENTS[(v >>> 10) % USER_AGENTS.length] };
}
