import type { BatchInput } from '@spur/protocol';
import { BATCH_PATH, CART_EVENT_TYPES, LIMITS } from '@spur/protocol/limits';
import type { Options, Tracker } from './types.js';

// The whole SDK is this one closure. Every byte counts (hard budget: 3,000 B after gzip -9),
// so the code is written for size: short internal names, no classes, few temporaries, and
// `any` inside. tsup.config.ts inlines the protocol constants used here as literals.
//
// Safety: every way in (API methods, DOM listeners, timers, the history patch) runs inside
// `w()`, which swallows errors (one console warning in debug mode). A wrong API call fails
// by throwing (see `fail`), which `w()` turns into that one warning: the call is dropped.

type Ev = Record<string, any>;

const OPT = 'spur:optout';
/** view_item, add_to_cart, remove_from_cart, view_cart, begin_checkout, purchase. */
const CART: readonly string[] = CART_EVENT_TYPES;
const IK = 'id name category brand variant'.split(' ');

const fail = (): never => {
  throw 'invalid call';
};
/** Optional string field: missing → undefined; string or number → truncated string; else a wrong call. */
const os = (v: any, n: number): string | undefined =>
  v == null ? undefined : /^[sn]/.test(typeof v) ? ('' + v).slice(0, n) : fail();
/** Required non-empty string field. */
const rs = (v: any, n: number): string => os(v, n) || fail();
/** Optional finite number; numeric strings (from markup) are accepted. */
const num = (v: any): number | undefined =>
  v == null || v === '' ? undefined : isFinite((v = +v)) ? v : fail();
/** E-mail addresses and runs of ≥ 9 digits (spaces, dashes, "+" or %20 allowed between them). */
const red = (s: string) =>
  s
    .replace(/[\w.+-]+(@|%40)[\w-]+(\.[\w-]+)+/g, '[email]')
    .replace(/\d(%20\d|[\s+-]?\d){8,}/g, '[number]');
/** Whitespace collapsed, redacted, truncated: search queries and element text. */
const sq = (q: string, n: number) => red(q.replace(/\s+/g, ' ').trim()).slice(0, n);
const uid = (): string =>
  crypto.randomUUID
    ? crypto.randomUUID()
    : // "10000000-1000-4000-8000-100000000000" with random hex digits: a v4 UUID.
      (([1e7] as any) + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, (c: any) =>
        (c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (c / 4)))).toString(16),
      );

/**
 * Builds a tracker and starts automatic tracking. `c` are the options (for the script tag:
 * its dataset, so values may be strings); `q` holds calls queued by the stub, replayed before
 * the first page view (so `identify`/`beforeSend` apply to it); `ep` is the default endpoint.
 */
export function make(c: any, q: IArguments[] | undefined, ep: string): Tracker {
  const dbg = c.debug != null && c.debug !== false;
  // The warning's stack trace (shown by browsers for console.warn) names the call.
  const w =
    <A extends any[]>(f: (...a: A) => unknown) =>
    (...a: A) => {
      try {
        f(...a);
      } catch (x) {
        if (dbg) console.warn('[spur] ' + x);
      }
    };

  const url = (c.endpoint || ep).replace(/\/$/, '') + BATCH_PATH;
  // "" turns search detection off: [""] matches no parameter and no input.
  const sp: string[] = ((c.searchParams ?? 'q,s,query,search') + '').split(',');
  const strip = (
    'email,e-mail,mail,token,auth,password,pass,pwd,key,apikey,api_key,secret,session,sessionid,sid,' +
    (c.stripParams || '')
  ).split(',');
  const hash = c.spa == 'hash';

  let Q: Ev[] = []; // queued events, oldest first
  const P: [Event, any, number, string][] = []; // raw clicks/submits not yet described
  let dropped = 0; // events dropped since the last batch that got through
  let att = 0; // failed sends in a row
  let seq = 0; // position in the current page view
  let no: any; // GPC, or DNT with dnt=respect
  let oo: any; // nothing is tracked: opted out, or `no`
  let pid: any; // current page id (= id of its page_view)
  let ct: any, cu: any; // while describing a click: its time and URL
  let rt: any; // retry timer
  let user: any, lq: any; // user id; last reported search query
  let key: any, ref: any, bs: any;

  /** Strips listed query parameters (and the #fragment unless spa=hash), redacts, truncates. */
  const cl = (u: string | Location): string => {
    const x = new URL(u as string, location as any);
    const s = x.searchParams;
    if (!hash) x.hash = '';
    for (const n of [...s.keys()]) if (strip.includes(n)) s.delete(n);
    return red(x.href).slice(0, LIMITS.maxUrlLength);
  };

  const mk = (type: string, x: Ev) => {
    if (!oo) {
      if (!ct) drain();
      let e: any = Object.assign(
        { type, id: uid(), ts: ct || Date.now(), url: cl(cu || location), page_id: pid, seq: seq++, user_id: user },
        x,
      );
      if (bs) e = bs(e);
      if (e) {
        // Bounded queue (1000): the oldest events go first, and are counted.
        dropped += Q.splice(0, Q.push(e) - 1000).length;
        // Each event sets a timer: at most flushMs later (now at batchSize) whatever is queued goes.
        setTimeout(send, Q.length < (+c.batchSize || 20) ? +c.flushMs || 2000 : 0);
      }
    }
  };

  /**
   * Describes pending clicks, then sends everything queued, in batches of at most 500 events and
   * 60 kB: by fetch, or on page hide (`un`) by beacon with keepalive fetch as fallback. While a
   * retry is pending (`rt`), only page hide sends, and then by fetch so a failure is requeued.
   */
  const send = w((un?: any) => {
    drain();
    while (Q.length && (un || !rt)) {
      const d = dropped;
      let n: number = LIMITS.maxEventsPerBatch;
      let b: Ev[], s: string;
      while (
        ((s = JSON.stringify({
          site: c.site,
          sent_at: Date.now(),
          events: (b = Q.slice(0, n)) as any,
          dropped: d,
          sdk: 'spur-js/0.1.0', // = 'spur-js/' + VERSION; checked by src/size.test.ts
        } satisfies BatchInput)),
        n > 1 && new Blob([s]).size > 6e4)
      )
        n >>= 1;
      Q.splice(0, n);
      dropped -= d;
      if (!(un && !rt && navigator.sendBeacon && navigator.sendBeacon(url, s)))
        // A string body goes as text/plain;charset=UTF-8: a CORS "simple" request, no preflight.
        // Browsers cap in-flight keepalive bodies at 64 KiB in total: only the last chunk uses it.
        fetch(url, { method: 'POST', body: s, keepalive: !Q.length && s.length < 6e4, credentials: 'omit' })
          .then((r) => {
            const st = r.status;
            if (st == 429 || st > 499) throw r.headers.get('retry-after');
            if (st > 299) dropped += b.length + d; // refused for good: counted, not retried
            else att = 0;
          })
          .catch((ra: any) => {
            Q.unshift(...b);
            dropped += d;
            rt =
              rt ||
              setTimeout(
                () => {
                  rt = 0;
                  send();
                },
                +ra * 1e3 || Math.min(6e4, 1e3 * 2 ** att++) * (0.7 + Math.random() * 0.6),
              );
          });
    }
  });

  const drain = () => {
    for (let p; (p = P.shift()); ct = cu = 0) (ct = p[2]), (cu = p[3]), dsc(p[0], p[1]);
  };

  /** Turns a recorded click or submit into its event, off the input's critical path. */
  const dsc = w((e: Event, t: any) => {
    if (e.type == 'submit') {
      // Detection off (sp = [""]): no input counts, and "[name=]" would not even be a selector.
      const i = sp[0] && t.querySelector('[type=search],' + sp.map((n) => `[name=${n}]`).join());
      // A form that navigates with the query in a search parameter is reported by the next page view.
      if (i && (e.defaultPrevented || !sp.includes(i.name))) srch(i.value, 0);
      return;
    }
    // The nearest link, button or data-spur-event element around the target decides.
    const el = t.closest('[data-spur-event],a,button');
    if (!el) return;
    const at: Ev = {};
    let k = 0;
    for (const a of el.attributes)
      if (!a.name.indexOf('data-spur-') && k++ < LIMITS.maxAttrs) at[a.name.slice(10)] = a.value;
    const n = at.event;
    // Selector: #id, or up to 3 levels of tag:nth-child(k), e.g. "li:nth-child(2)>a:nth-child(1)".
    // The clicked element is inside <body>, so 3 levels never climb past <html>.
    let sl = '';
    for (let i = 3, x = el; i-- && sl[0] != '#'; x = x.parentNode)
      sl = (x.id ? '#' + x.id : x.localName + ':nth-child(' + ([...x.parentNode.children].indexOf(x) + 1) + ')') + (sl && '>' + sl);
    if (!n)
      mk('click', {
        element: {
          tag: el.localName,
          text: sq(el.textContent, LIMITS.maxElementTextLength),
          selector: sl,
          id: el.id,
          classes: [...el.classList].slice(0, LIMITS.maxClasses),
          href: el.href && cl(el.href),
          attrs: at,
        },
      });
    else if ((delete at.event, !CART.includes(n))) track(n, at);
    else
      (at.transaction_id = at['transaction-id']),
        com(n, at, at['item-id'] ? [item((k) => at['item-' + k.replace('item_', '')])] : []);
  });

  /**
   * A search. Automatic ones (`r` === 0: from the URL or a form) are skipped when they repeat the
   * last search reported in this document, and take their count from [data-spur-results].
   */
  const srch = (v: any, r?: any): undefined => {
    v = sq(rs(v, 1e4), LIMITS.maxSearchQueryLength);
    if (r !== 0) r = r && r.results;
    else if (v == lq) return;
    else (r = document.querySelector('[data-spur-results]')), (r = r && r.dataset.spurResults);
    r = num(r);
    if (!v || (r != null && (r < 0 || r % 1))) fail();
    mk('search', { query: (lq = v), results: r });
  };

  /**
   * A page view if the cleaned URL changed (so path + search, + hash if spa=hash; stripped
   * parameters don't count), or always with f = 1.
   */
  const page = (f?: unknown) => {
    drain();
    const h = cl(location);
    if (f === 1 || h != key) {
      key = h;
      pid = uid();
      seq = 0;
      mk('page_view', { id: pid, title: document.title, referrer: ref && cl(ref) });
      ref = h;
      const u = new URL(h).searchParams;
      // The first search parameter present reports the search (srch returns undefined: stop).
      sp.find((n) => (n = u.get(n)!) && !srch(n, 0));
    }
  };

  /** One item from a field getter (GA4 names). */
  const item = (i: (k: string) => any): Ev => {
    const r: Ev = { price: num(i('price')) };
    const q = num(i('quantity'));
    IK.forEach((k, j) => (r['item_' + k] = (j ? os : rs)(i('item_' + k), LIMITS.maxItemFieldLength)));
    r.quantity = q == null ? 1 : q > 0 && q % 1 == 0 ? q : fail();
    return r;
  };

  const com = (t: string, x: any, its?: Ev[]) => {
    const items = its || x.items.slice(0, LIMITS.maxItems).map((o: any) => item((k) => o[k]));
    const cur = x.currency || c.currency;
    const v = num(x.value);
    if ((CART.indexOf(t) < 3 && !items[0]) || (cur && !/^[A-Z]{3}$/.test(cur))) fail();
    mk(t, {
      items,
      currency: cur,
      // Default: sum of price × quantity when every item has a price (NaN otherwise → left out).
      value: v ?? (+items.reduce((s: number, i: Ev) => s + i.price * i.quantity, 0).toFixed(3) || undefined),
      transaction_id: (t == CART[5] ? rs : os)(x.transaction_id, LIMITS.maxTransactionIdLength),
    });
  };

  const track = (n: unknown, p?: any) => {
    const r: Ev = {};
    if (!/^[\w.:-]{1,64}$/.test((n += '')) || typeof p == 'string') fail();
    for (const x in p) {
      let v = p[x];
      const t = typeof v;
      // Strings (truncated; empty ones dropped), booleans and finite numbers; not null/objects.
      if (t == 'string' ? (v = v.slice(0, LIMITS.maxPropValueLength)) : t != 'object' && isFinite(v)) r[x] = v;
    }
    mk('custom', { name: n, props: r });
  };

  /** Opt out (1: discard the queue, set the flag) or back in (0: remove it). */
  const opt = (f: number) => {
    oo = f || no;
    Q = [];
    localStorage[f ? 'setItem' : 'removeItem'](OPT, '1');
  };

  const M: Record<string, (...a: any[]) => unknown> = {
    track,
    search: srch,
    // identify(null) or identify('') clears.
    identify(u: unknown) {
      user = os(u, LIMITS.maxUserIdLength) || undefined;
    },
    optOut: () => opt(1),
    optIn: () => opt(0),
    flush: send,
    page: () => page(1),
    beforeSend(f: unknown) {
      bs = f == null || (f as any).call ? f : fail();
    },
  };
  // viewItem(item), cart.add(item), cart.remove(item), viewCart(items), checkout(cart), purchase(order)
  'viewItem cart.add cart.remove viewCart checkout purchase'
    .split(' ')
    .forEach((k, i) => (M[k] = (x: any) => com(CART[i]!, i < 3 ? { items: [x] } : i < 4 ? { items: x } : x)));

  const api: any = w((p: string, ...a: unknown[]) => (M[p] || fail)(...a));
  for (const k in M) api[k] = M[k] = w(M[k]!);
  api.cart = { add: M['cart.add'], remove: M['cart.remove'] };

  w(() => {
    const N: any = navigator;
    oo = no = N.globalPrivacyControl == 1 || (c.dnt == 'respect' && N.doNotTrack == 1);
    try {
      oo = oo || localStorage.getItem(OPT) == '1';
    } catch (e) {}
    const d = document;
    const lo = { capture: true, passive: true };
    pid = uid();
    ref = d.referrer;
    bs = c.beforeSend;
    // O(1) on the input's critical path: remember the event, describe it in a later task.
    const rec = (e: Event) => {
      P.push([e, e.target, Date.now(), location.href]);
      setTimeout(drain);
    };
    const bye = () => send(1);
    d.addEventListener('click', rec, lo);
    d.addEventListener('submit', rec, lo);
    d.addEventListener('visibilitychange', () => d.hidden && bye());
    addEventListener('pagehide', bye);
    if (c.spa != 'off') {
      const nav = w(page);
      for (const m of ['pushState', 'replaceState']) {
        const f = (history as any)[m];
        (history as any)[m] = function (this: unknown) {
          const r = f.apply(this, arguments);
          nav();
          return r;
        };
      }
      // Fragment navigations fire popstate too (HTML spec), so spa=hash needs no hashchange listener.
      addEventListener('popstate', nav);
    }
    if (q) for (const a of q) api(...a);
    page();
  })();
  return api;
}
