/*
 * Spur & Sons Outfitters: the demo shop for spur. Plain ES2017, no build step, no framework.
 *
 * Cart state: between pages the cart travels in the URL (`?items=SKU-1001:2:M,SKU-1010:1:Slate`,
 * i.e. id:quantity[:variant]); inside the cart → checkout → confirmation single-page flow it lives
 * in memory. The shop never uses cookies, localStorage or sessionStorage.
 *
 * Tracking: every call goes through spur's pre-load stub, `spur('method.path', ...args)`, so none is
 * lost whether the SDK loads before or after this file. page_view, clicks and URL searches are
 * automatic. Buttons with data-spur-event="add_to_cart" are tracked by the SDK on its own.
 */
(function () {
  'use strict';

  const SHOP = 'Spur & Sons Outfitters';
  const CURRENCY = 'EUR';
  const MAX_QTY = 10;
  const DEMO_CUSTOMER = 'C-100042'; // pseudonymous id for the "sign in" demo, never a name or e-mail
  const page = document.body.getAttribute('data-page');

  /* ---------- spur ---------- */

  /** Forwards to window.spur (the stub until the SDK has loaded). Pages without it just don't track. */
  function spur() {
    if (typeof window.spur === 'function') window.spur.apply(window, arguments);
  }

  /* ---------- small helpers ---------- */

  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.prototype.slice.call((root || document).querySelectorAll(selector));
  const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: CURRENCY });
  const round2 = (n) => Math.round(n * 100) / 100;
  const clamp = (n, min, max) => Math.min(max, Math.max(min, n));
  const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);

  /** Builds an element: h('a', { href: 'x', class: 'y', text: 'z' }, ...children). Null attrs are skipped. */
  function h(tag, attrs) {
    const el = document.createElement(tag);
    const a = attrs || {};
    Object.keys(a).forEach((key) => {
      const value = a[key];
      if (value === null || value === undefined || value === false) return;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    });
    for (let i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach((c) => append(el, c));
    else el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function fill(el, children) {
    el.textContent = '';
    append(el, children);
    return el;
  }

  function setTitle(text) {
    document.title = text + ' · ' + SHOP;
    const heading = $('[data-page-title]');
    if (heading) heading.textContent = text;
  }

  /* ---------- catalogue ---------- */

  let products = [];
  const byId = new Map();
  const catalogue = fetch('products.json')
    .then((res) => {
      if (!res.ok) throw new Error('products.json: HTTP ' + res.status);
      return res.json();
    })
    .then((list) => {
      products = list;
      list.forEach((p) => byId.set(p.id, p));
      return list;
    });

  function categories() {
    const seen = new Map();
    products.forEach((p) => {
      if (!seen.has(p.category)) seen.set(p.category, { name: p.category, slug: slug(p.category) });
    });
    return Array.from(seen.values());
  }

  const defaultVariant = (p) => (p.variants ? p.variants.default || p.variants.options[0] : '');

  /** "Size: S – XL", "Colour: Forest · Slate · Rust" or "One size". */
  function variantSummary(p) {
    if (!p.variants) return 'One size';
    const o = p.variants.options;
    return p.variants.label + ': ' + (o.length > 3 ? o[0] + ' – ' + o[o.length - 1] : o.join(' · '));
  }

  /** A product as a spur item, with GA4 field names. */
  function toItem(p, variant, quantity) {
    const item = { item_id: p.id, item_name: p.name, item_category: p.category, item_brand: p.brand };
    if (variant) item.item_variant = variant;
    item.price = p.price;
    item.quantity = quantity;
    return item;
  }

  /* ---------- cart (URL + memory, never browser storage) ---------- */

  const cart = {
    /** Lines `{ id, variant, qty }`, seeded from the page URL's `items` parameter. */
    lines: parseItems(new URLSearchParams(location.search).get('items')),
    count() {
      return this.lines.reduce((n, line) => n + line.qty, 0);
    },
    find(id, variant) {
      return this.lines.find((line) => line.id === id && line.variant === variant);
    },
    /** Adds up to `qty` (a line holds at most MAX_QTY) and returns how many were really added. */
    add(id, variant, qty) {
      let line = this.find(id, variant);
      if (!line) this.lines.push((line = { id, variant, qty: 0 }));
      const added = clamp(qty, 0, MAX_QTY - line.qty);
      line.qty += added;
      if (!line.qty) this.lines.splice(this.lines.indexOf(line), 1);
      return added;
    },
    /** Removes up to `qty` and returns how many were really removed; empty lines disappear. */
    remove(id, variant, qty) {
      const line = this.find(id, variant);
      if (!line) return 0;
      const removed = clamp(qty, 0, line.qty);
      line.qty -= removed;
      if (!line.qty) this.lines.splice(this.lines.indexOf(line), 1);
      return removed;
    },
    clear() {
      this.lines = [];
    },
  };

  function parseItems(raw) {
    const lines = [];
    (raw || '').split(',').forEach((part) => {
      const bits = part.split(':');
      const id = bits[0].trim();
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(id)) return;
      const qty = clamp(parseInt(bits[1], 10) || 1, 1, MAX_QTY);
      const variant = bits.slice(2).join(':').trim();
      const line = lines.find((l) => l.id === id && l.variant === variant);
      if (line) line.qty = clamp(line.qty + qty, 1, MAX_QTY);
      else lines.push({ id, variant, qty });
    });
    return lines;
  }

  /** `SKU-1001:2:M,SKU-1012:1`: readable, and short enough for any URL. `raw` skips URL encoding. */
  function itemsParam(lines, raw) {
    return lines
      .map((l) => [l.id, l.qty].concat(l.variant ? [l.variant] : []).map(raw ? String : encodeURIComponent).join(':'))
      .join(',');
  }

  /** Once the catalogue is known: drop unknown products and variants that don't exist. */
  function sanitizeCart() {
    const lines = cart.lines;
    cart.clear();
    lines.forEach((l) => {
      const p = byId.get(l.id);
      if (!p) return;
      const ok = p.variants ? p.variants.options.indexOf(l.variant) >= 0 : l.variant === '';
      cart.add(l.id, ok ? l.variant : defaultVariant(p), l.qty);
    });
  }

  const cartItems = () => cart.lines.map((l) => toItem(byId.get(l.id), l.variant, l.qty));
  const cartValue = () => round2(cart.lines.reduce((sum, l) => sum + byId.get(l.id).price * l.qty, 0));

  /** Rewrites a relative shop URL so that it carries the current cart (or none, when empty). */
  function withCart(href) {
    const hashAt = href.indexOf('#');
    const hash = hashAt >= 0 ? href.slice(hashAt) : '';
    const rest = hashAt >= 0 ? href.slice(0, hashAt) : href;
    const queryAt = rest.indexOf('?');
    const params = new URLSearchParams(queryAt >= 0 ? rest.slice(queryAt + 1) : '');
    params.delete('items');
    const query = [params.toString(), itemsParam(cart.lines) && 'items=' + itemsParam(cart.lines)].filter(Boolean);
    return (queryAt >= 0 ? rest.slice(0, queryAt) : rest) + (query.length ? '?' + query.join('&') : '') + hash;
  }

  const INTERNAL_LINK = /^(?:\.\/)?[\w-]+\.html(?=[?#]|$)/;

  /** Header count, every internal link and the search form's hidden field follow the cart. */
  function syncCartUi() {
    $$('a[href]').forEach((a) => {
      const href = a.getAttribute('href');
      if (INTERNAL_LINK.test(href)) a.setAttribute('href', withCart(href));
    });
    const count = String(cart.count());
    $$('[data-cart-count]').forEach((el) => {
      el.textContent = count;
      el.classList.toggle('is-empty', count === '0');
    });
    const value = itemsParam(cart.lines, true); // the form encodes it on submit
    $$('[data-cart-field]').forEach((input) => {
      input.value = value;
      input.disabled = !value; // an empty hidden field would add a useless `items=` to the search URL
    });
  }

  function bumpCartCount() {
    $$('[data-cart-count]').forEach((el) => {
      el.classList.remove('is-bumped');
      void el.offsetWidth; // restart the CSS animation
      el.classList.add('is-bumped');
    });
  }

  /* ---------- toast ---------- */

  let toastTimer = 0;

  function toast(message, withCartLink) {
    const el = $('[data-toast]');
    if (!el) return;
    fill(el, [
      h('span', { class: 'toast__text', text: message }),
      withCartLink && h('a', { class: 'toast__link', href: withCart('cart.html'), 'data-testid': 'toast-cart-link' }, 'View cart'),
    ]);
    el.classList.add('is-visible');
    hideToastLater();
  }

  function hideToastLater() {
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      const el = $('[data-toast]');
      if (el && !el.contains(document.activeElement)) el.classList.remove('is-visible');
    }, 5000);
  }

  /* ---------- adding to the cart ---------- */

  const addedMessage = (qty, name, variant) =>
    (qty > 1 ? qty + ' × ' : '') + name + (variant ? ' (' + variant + ')' : '') + ' added to your cart.';

  /** API flavour: the shop reports the addition itself. */
  function addToCart(p, variant, qty) {
    const added = cart.add(p.id, variant, qty);
    if (!added) {
      toast('You already have ' + MAX_QTY + ' of ' + p.name + ' in your cart.', true);
      return;
    }
    spur('cart.add', toItem(p, variant, added));
    syncCartUi();
    bumpCartCount();
    toast(addedMessage(added, p.name, variant), true);
  }

  /** MARKUP-ONLY flavour: the SDK emits add_to_cart from the data-spur-* attributes; we only update the UI. */
  function addFromMarkup(button) {
    const name = button.getAttribute('data-spur-item-name');
    const variant = button.getAttribute('data-spur-item-variant') || '';
    const qty = parseInt(button.getAttribute('data-spur-item-quantity'), 10) || 1;
    const added = cart.add(button.getAttribute('data-spur-item-id'), variant, qty);
    if (!added) return toast('You already have ' + MAX_QTY + ' of ' + name + ' in your cart.', true);
    syncCartUi();
    bumpCartCount();
    toast(addedMessage(added, name, variant), true);
  }

  /* ---------- product cards ---------- */

  /**
   * Which add-to-cart flavour a card gets depends on its SKU number, so it is stable everywhere:
   *  - odd SKUs (SKU-1001, -1003, …): MARKUP-ONLY: data-spur-* attributes, the SDK tracks the click itself;
   *  - even SKUs (SKU-1002, -1004, …): API: the click handler calls spur('cart.add', item).
   */
  const tracking = (p) => (parseInt(p.id.replace(/\D/g, ''), 10) % 2 === 1 ? 'markup' : 'api');

  function addButton(p) {
    const variant = defaultVariant(p);
    const common = {
      type: 'button',
      class: 'btn btn--primary btn--small',
      'aria-describedby': 'title-' + p.id,
      'data-testid': 'add-to-cart',
      'data-tracking': tracking(p),
    };
    if (tracking(p) === 'markup') {
      // MARKUP-ONLY: no JS call to spur for this button.
      return h('button', Object.assign(common, {
        'data-spur-event': 'add_to_cart',
        'data-spur-item-id': p.id,
        'data-spur-item-name': p.name,
        'data-spur-item-price': p.price.toFixed(2),
        'data-spur-item-category': p.category,
        'data-spur-item-brand': p.brand,
        'data-spur-item-variant': variant || null,
        'data-spur-item-quantity': '1',
        'data-spur-currency': CURRENCY,
      }), 'Add to cart');
    }
    // API: handled by actions['add-to-cart'] below, which calls spur('cart.add', item).
    return h('button', Object.assign(common, {
      'data-action': 'add-to-cart',
      'data-product-id': p.id,
      'data-variant': variant || null,
    }), 'Add to cart');
  }

  function productCard(p) {
    return h('li', { class: 'card tone-' + slug(p.category), 'data-testid': 'product-card', 'data-product-id': p.id },
      h('img', { class: 'card__img', src: 'img/' + p.image, alt: p.name, width: 400, height: 400, loading: 'lazy' }),
      h('div', { class: 'card__body' },
        h('p', { class: 'card__brand', text: p.brand }),
        h('h2', { class: 'card__title', id: 'title-' + p.id },
          h('a', { class: 'card__link', href: withCart('product.html?id=' + encodeURIComponent(p.id)), 'data-testid': 'product-link' }, p.name)),
        h('p', { class: 'card__meta', text: variantSummary(p) }),
        h('div', { class: 'card__foot' }, h('span', { class: 'price', text: money.format(p.price) }), addButton(p))));
  }

  function markNav(current) {
    $$('[data-nav]').forEach((a) => {
      if (a.getAttribute('data-nav') === current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
  }

  /* ---------- index.html: category page ---------- */

  function renderCategory() {
    const wanted = new URLSearchParams(location.search).get('cat');
    const current = categories().find((c) => c.slug === wanted);
    const list = current ? products.filter((p) => slug(p.category) === current.slug) : products;
    $('[data-hero]').hidden = Boolean(current);
    setTitle(current ? current.name : 'All products');
    $('[data-product-count]').textContent = plural(list.length, 'product', 'products');
    fill($('[data-product-grid]'), list.map(productCard));
    markNav(current ? current.slug : 'all');
  }

  /* ---------- search.html ---------- */

  const normalize = (s) => s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');

  /** Every word of the query must appear in the product's text; "boots" also finds "boot". */
  function searchProducts(query) {
    const words = normalize(query).split(/[^a-z0-9]+/).filter(Boolean);
    if (!words.length) return [];
    return products.filter((p) => {
      const text = normalize([p.name, p.brand, p.category, p.description].concat(p.variants ? p.variants.options : []).join(' '));
      return words.every((w) => text.indexOf(w) >= 0 || (w.length > 3 && /s$/.test(w) && text.indexOf(w.slice(0, -1)) >= 0));
    });
  }

  function renderSearch() {
    const query = (new URLSearchParams(location.search).get('q') || '').trim().slice(0, 100);
    const grid = $('[data-product-grid]');
    const empty = $('[data-empty-state]');
    if (!query) {
      setTitle('Search');
      $('[data-result-count]').textContent = 'Type what you are looking for into the search box above.';
      return;
    }
    const results = searchProducts(query);
    setTitle('Results for “' + query + '”');
    $('[data-result-count]').textContent = plural(results.length, 'product', 'products') + ' found';
    fill(grid, results.map(productCard));
    grid.hidden = !results.length;
    empty.hidden = Boolean(results.length);
    if (!results.length) fill(empty, emptySearch(query));
    // After rendering: the explicit call carries the result count (0 marks a failed search).
    spur('search', query, { results: results.length });
  }

  function emptySearch(query) {
    const picks = categories().map((c) => products.find((p) => p.category === c.name));
    return h('div', { class: 'empty', 'data-testid': 'no-results' },
      h('img', { class: 'empty__art', src: 'img/empty-search.svg', alt: '', width: 240, height: 180 }),
      h('h2', { class: 'empty__title', text: 'Nothing found for “' + query + '”' }),
      h('p', { class: 'empty__text' },
        'We looked everywhere, even under the tent. Check the spelling, try a more general word like ',
        h('a', { href: withCart('search.html?q=jacket') }, 'jacket'), ' or ',
        h('a', { href: withCart('search.html?q=boots') }, 'boots'), ', or browse a category:'),
      h('ul', { class: 'chips' }, categories().map((c) =>
        h('li', null, h('a', { class: 'chip tone-' + c.slug, href: withCart('index.html?cat=' + c.slug), 'data-testid': 'category-chip' }, c.name)))),
      h('h3', { class: 'empty__subtitle', text: 'Popular right now' }),
      h('ul', { class: 'suggestions' }, picks.map((p) =>
        h('li', null, h('a', { class: 'suggestion', href: withCart('product.html?id=' + encodeURIComponent(p.id)), 'data-testid': 'suggestion', 'data-product-id': p.id },
          h('img', { src: 'img/' + p.image, alt: '', width: 80, height: 80 }),
          h('span', { class: 'suggestion__name', text: p.name }),
          h('span', { class: 'suggestion__price', text: money.format(p.price) }))))));
  }

  /* ---------- product.html ---------- */

  function renderProduct() {
    const root = $('[data-product-root]');
    const p = byId.get(new URLSearchParams(location.search).get('id'));
    if (!p) {
      setTitle('Product not found');
      fill(root, h('div', { class: 'empty', 'data-testid': 'product-not-found' },
        h('h1', { class: 'empty__title', text: 'We couldn’t find that product' }),
        h('p', { class: 'empty__text', text: 'It may have sold out or the link is mistyped.' }),
        h('a', { class: 'btn btn--primary', href: withCart('index.html') }, 'Back to the shop')));
      return;
    }
    const cat = slug(p.category);
    document.title = p.name + ' · ' + SHOP;
    markNav(cat);

    const variantField = p.variants && h('div', { class: 'field' },
      h('label', { class: 'field__label', for: 'variant', text: p.variants.label }),
      h('select', { class: 'field__control', id: 'variant', name: 'variant', 'data-testid': 'variant-select' },
        p.variants.options.map((o) => h('option', { value: o, selected: o === defaultVariant(p) }, o))));
    const qtyField = h('div', { class: 'field field--qty' },
      h('label', { class: 'field__label', for: 'quantity', text: 'Quantity' }),
      h('input', { class: 'field__control', id: 'quantity', name: 'quantity', type: 'number', min: 1, max: MAX_QTY, value: 1, inputmode: 'numeric', 'data-testid': 'quantity-input' }));
    // API flavour: submitting this form calls spur('cart.add', item) in addToCart().
    const form = h('form', { class: 'buy-form', 'data-buy-form': p.id },
      h('div', { class: 'buy-form__fields' }, variantField, qtyField),
      h('button', { type: 'submit', class: 'btn btn--primary btn--large', 'data-testid': 'add-to-cart', 'data-tracking': 'api' }, 'Add to cart'));

    const guide = p.variants && p.variants.label === 'Size' && h('details', { class: 'guide', 'data-testid': 'size-guide', 'data-product-id': p.id },
      h('summary', null, 'Size & fit guide'),
      h('p', { text: 'True to size. Between two sizes? Take the larger one if you like to layer underneath. Free exchanges within 60 days.' }));

    const related = products.filter((o) => o.category === p.category && o.id !== p.id);

    fill(root, [
      h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
        h('ol', null,
          h('li', null, h('a', { href: withCart('index.html') }, 'Shop')),
          h('li', null, h('a', { href: withCart('index.html?cat=' + cat) }, p.category)),
          h('li', { 'aria-current': 'page', text: p.name }))),
      h('article', { class: 'product', 'data-testid': 'product-detail', 'data-product-id': p.id },
        h('div', { class: 'product__media tone-' + cat }, h('img', { src: 'img/' + p.image, alt: p.name, width: 400, height: 400 })),
        h('div', { class: 'product__info' },
          h('p', { class: 'product__brand', text: p.brand }),
          h('h1', { class: 'product__title', text: p.name }),
          h('p', { class: 'product__price', 'data-testid': 'product-price', text: money.format(p.price) }),
          h('p', { class: 'product__desc', text: p.description }),
          form,
          h('ul', { class: 'ticks' },
            h('li', { text: 'Free shipping on orders over €50' }),
            h('li', { text: '60-day returns, no questions asked' }),
            h('li', { text: 'Repairs for life in our workshop' })),
          guide)),
      related.length && h('section', { class: 'related', 'aria-labelledby': 'related-title' },
        h('h2', { id: 'related-title', class: 'section-title', text: 'More ' + p.category }),
        h('ul', { class: 'related__list' }, related.map((o) =>
          h('li', null, h('a', { class: 'suggestion', href: withCart('product.html?id=' + encodeURIComponent(o.id)), 'data-testid': 'related-product', 'data-product-id': o.id },
            h('img', { src: 'img/' + o.image, alt: '', width: 80, height: 80 }),
            h('span', { class: 'suggestion__name', text: o.name }),
            h('span', { class: 'suggestion__price', text: money.format(o.price) })))))),
    ]);

    if (guide) {
      guide.addEventListener('toggle', () => {
        if (guide.open) spur('track', 'size_guide_open', { item_id: p.id });
      });
    }
    spur('viewItem', toItem(p, '', 1));
  }

  function submitBuyForm(form) {
    const p = byId.get(form.getAttribute('data-buy-form'));
    const select = $('select[name="variant"]', form);
    const qty = clamp(parseInt($('input[name="quantity"]', form).value, 10) || 1, 1, MAX_QTY);
    addToCart(p, select ? select.value : '', qty);
  }

  /* ---------- cart.html: cart → checkout → confirmation, one single-page app ---------- */

  const STEPS = { cart: 'Your cart', checkout: 'Shipping details', confirmation: 'Order confirmed' };
  let lastOrder = null; // the order placed during this page's life, kept in memory only

  function currentStep() {
    const step = new URLSearchParams(location.search).get('step');
    return STEPS[step] ? step : 'cart';
  }

  /** SPA navigation through the history API; the SDK sees pushState and counts a page_view. */
  function go(step) {
    const url = step === 'confirmation'
      ? 'cart.html?step=confirmation&order=' + encodeURIComponent(lastOrder.id)
      : withCart(step === 'checkout' ? 'cart.html?step=checkout' : 'cart.html');
    document.title = STEPS[step] + ' · ' + SHOP; // before pushState, so that page_view has the new title
    history.pushState({ step }, '', url);
    renderCartApp(true);
  }

  function renderCartApp(moveFocus) {
    const step = currentStep();
    if (step === 'confirmation') showConfirmation();
    else if (step === 'checkout' && cart.lines.length) showCheckout();
    else showCart();
    syncCartUi();
    if (moveFocus) {
      window.scrollTo(0, 0);
      const heading = $('[data-cart-root] h1');
      if (heading) heading.focus({ preventScroll: true });
    }
  }

  function progress(step) {
    const order = ['cart', 'checkout', 'confirmation'];
    const labels = { cart: 'Cart', checkout: 'Details', confirmation: 'Confirmation' };
    return h('ol', { class: 'steps', 'aria-label': 'Checkout progress' }, order.map((s, i) =>
      h('li', {
        class: 'steps__item' + (s === step ? ' is-current' : i < order.indexOf(step) ? ' is-done' : ''),
        'aria-current': s === step ? 'step' : null,
      }, h('span', { class: 'steps__num', 'aria-hidden': 'true', text: String(i + 1) }), labels[s])));
  }

  function summaryBox(withActions) {
    const value = cartValue();
    return h('aside', { class: 'summary', 'aria-labelledby': 'summary-title' },
      h('h2', { class: 'summary__title', id: 'summary-title', text: 'Order summary' }),
      !withActions && h('ul', { class: 'summary__items' }, cart.lines.map((l) => {
        const p = byId.get(l.id);
        return h('li', null, h('span', { text: l.qty + ' × ' + p.name + (l.variant ? ' (' + l.variant + ')' : '') }), h('span', { text: money.format(p.price * l.qty) }));
      })),
      h('dl', { class: 'summary__totals' },
        h('div', null, h('dt', { text: 'Subtotal' }), h('dd', { 'data-testid': 'cart-subtotal', 'data-subtotal': true, text: money.format(value) })),
        h('div', null, h('dt', { text: 'Shipping' }), h('dd', { text: 'Free' })),
        h('div', { class: 'summary__total' }, h('dt', { text: 'Total' }), h('dd', { 'data-testid': 'cart-total', 'data-total': true, text: money.format(value) }))),
      withActions && [
        h('button', { type: 'button', class: 'btn btn--primary btn--large btn--block', 'data-action': 'checkout', 'data-testid': 'checkout' }, 'Checkout'),
        h('a', { class: 'btn btn--ghost btn--block', href: withCart('index.html'), 'data-testid': 'continue-shopping' }, 'Continue shopping'),
      ],
      h('p', { class: 'summary__note', text: 'Prices include VAT. Demo shop: no payment is ever taken.' }));
  }

  function cartLine(l) {
    const p = byId.get(l.id);
    const href = withCart('product.html?id=' + encodeURIComponent(p.id));
    return h('li', { class: 'cart-line', 'data-testid': 'cart-line', 'data-product-id': p.id, 'data-variant': l.variant },
      h('img', { class: 'cart-line__img', src: 'img/' + p.image, alt: '', width: 96, height: 96 }),
      h('div', { class: 'cart-line__info' },
        h('a', { class: 'cart-line__name', href }, p.name),
        h('p', { class: 'cart-line__meta', text: p.brand + (l.variant ? ' · ' + p.variants.label + ' ' + l.variant : '') }),
        h('p', { class: 'cart-line__price', text: money.format(p.price) + ' each' })),
      h('div', { class: 'qty', role: 'group', 'aria-label': 'Quantity of ' + p.name },
        h('button', { type: 'button', class: 'qty__btn', 'data-action': 'decrease', 'data-testid': 'qty-decrease', 'aria-label': 'Decrease quantity', disabled: l.qty <= 1 }, '−'),
        h('output', { class: 'qty__value', 'data-testid': 'qty-value', 'aria-live': 'polite', text: String(l.qty) }),
        h('button', { type: 'button', class: 'qty__btn', 'data-action': 'increase', 'data-testid': 'qty-increase', 'aria-label': 'Increase quantity', disabled: l.qty >= MAX_QTY }, '+')),
      h('p', { class: 'cart-line__total', 'data-testid': 'line-total', text: money.format(p.price * l.qty) }),
      h('button', { type: 'button', class: 'link-btn cart-line__remove', 'data-action': 'remove', 'data-testid': 'remove-item' }, 'Remove', h('span', { class: 'visually-hidden', text: ' ' + p.name })));
  }

  function showCart() {
    document.title = STEPS.cart + ' · ' + SHOP;
    const root = $('[data-cart-root]');
    if (!cart.lines.length) {
      fill(root, [progress('cart'), h('section', { class: 'empty', 'data-testid': 'cart-empty' },
        h('h1', { class: 'empty__title', tabindex: -1, text: 'Your cart is empty' }),
        h('p', { class: 'empty__text', text: 'Good gear is waiting. Have a look around the shop.' }),
        h('a', { class: 'btn btn--primary', href: withCart('index.html'), 'data-testid': 'continue-shopping' }, 'Start shopping'))]);
    } else {
      fill(root, [progress('cart'), h('div', { class: 'checkout-layout' },
        h('section', { class: 'checkout-main', 'aria-labelledby': 'cart-title' },
          h('h1', { id: 'cart-title', tabindex: -1, text: STEPS.cart + ' (' + plural(cart.count(), 'item', 'items') + ')' }),
          h('ul', { class: 'cart-lines', 'data-testid': 'cart-lines' }, cart.lines.map(cartLine))),
        summaryBox(true))]);
    }
    spur('viewCart', cartItems());
  }

  /** +, − and remove update the cart view in place, so keyboard focus stays where it was. */
  function changeLine(button, action) {
    const row = button.closest('[data-testid="cart-line"]');
    const id = row.getAttribute('data-product-id');
    const variant = row.getAttribute('data-variant');
    const p = byId.get(id);
    if (action === 'increase') {
      if (cart.add(id, variant, 1)) spur('cart.add', toItem(p, variant, 1));
    } else {
      const removed = cart.remove(id, variant, action === 'remove' ? cart.find(id, variant).qty : 1);
      if (removed) spur('cart.remove', toItem(p, variant, removed));
    }
    syncCartUi();
    if (!cart.lines.length) return renderCartApp(true);

    const line = cart.find(id, variant);
    if (!line) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      $('[data-action="remove"]', next).focus();
    } else {
      $('[data-testid="qty-value"]', row).textContent = String(line.qty);
      $('[data-testid="line-total"]', row).textContent = money.format(p.price * line.qty);
      $('[data-action="decrease"]', row).disabled = line.qty <= 1;
      $('[data-action="increase"]', row).disabled = line.qty >= MAX_QTY;
      if (button.disabled) $(action === 'increase' ? '[data-action="decrease"]' : '[data-action="increase"]', row).focus();
    }
    $('#cart-title').textContent = STEPS.cart + ' (' + plural(cart.count(), 'item', 'items') + ')';
    $('[data-subtotal]').textContent = $('[data-total]').textContent = money.format(cartValue());
  }

  function field(id, label, attrs) {
    return h('div', { class: 'field' },
      h('label', { class: 'field__label', for: id, text: label }),
      h('input', Object.assign({ class: 'field__control', id, name: id.replace('co-', ''), required: true, 'data-testid': 'checkout-' + id.replace('co-', '') }, attrs)));
  }

  function showCheckout() {
    document.title = STEPS.checkout + ' · ' + SHOP;
    const countries = ['Germany', 'Austria', 'Belgium', 'France', 'Ireland', 'Italy', 'Netherlands', 'Spain'];
    // The values below are demo defaults. Nothing typed here is read, stored or sent anywhere.
    const form = h('form', { class: 'checkout-form', 'data-checkout-form': true, 'data-testid': 'checkout-form' },
      h('p', { class: 'notice', text: 'This is a demo: what you type stays on this page. No order is shipped and no payment is taken.' }),
      h('fieldset', { class: 'fieldset' },
        h('legend', { text: 'Contact' }),
        h('div', { class: 'field-row' },
          field('co-name', 'Full name', { autocomplete: 'name', value: 'Alex Example' }),
          field('co-email', 'E-mail', { type: 'email', autocomplete: 'email', value: 'alex@example.com' }))),
      h('fieldset', { class: 'fieldset' },
        h('legend', { text: 'Shipping address' }),
        field('co-street', 'Street and number', { autocomplete: 'street-address', value: 'Trail Road 12' }),
        h('div', { class: 'field-row field-row--postcode' },
          field('co-postcode', 'Postcode', { autocomplete: 'postal-code', inputmode: 'numeric', value: '10115' }),
          field('co-city', 'City', { autocomplete: 'address-level2', value: 'Berlin' })),
        h('div', { class: 'field' },
          h('label', { class: 'field__label', for: 'co-country', text: 'Country' }),
          h('select', { class: 'field__control', id: 'co-country', name: 'country', autocomplete: 'country-name', 'data-testid': 'checkout-country' },
            countries.map((c) => h('option', { selected: c === 'Germany' }, c))))),
      h('fieldset', { class: 'fieldset' },
        h('legend', { text: 'Payment' }),
        h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'payment', value: 'invoice', checked: true }), ' Invoice (demo, nothing to pay)'),
        h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'payment', value: 'pickup' }), ' Pay at pick-up in store (demo)')),
      h('div', { class: 'form-actions' },
        h('a', { class: 'btn btn--ghost', href: withCart('cart.html'), 'data-spa': 'cart', 'data-testid': 'back-to-cart' }, '← Back to cart'),
        h('button', { type: 'submit', class: 'btn btn--primary btn--large', 'data-testid': 'place-order' }, 'Place order')));
    fill($('[data-cart-root]'), [progress('checkout'), h('div', { class: 'checkout-layout' },
      h('section', { class: 'checkout-main', 'aria-labelledby': 'checkout-title' },
        h('h1', { id: 'checkout-title', tabindex: -1, text: STEPS.checkout }), form),
      summaryBox(false))]);
  }

  function placeOrder() {
    if (!cart.lines.length) return;
    lastOrder = { id: 'T-' + randomId(), items: cartItems(), value: cartValue() };
    spur('purchase', { transaction_id: lastOrder.id, items: lastOrder.items, currency: CURRENCY, value: lastOrder.value });
    cart.clear();
    go('confirmation');
  }

  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    return Array.prototype.map.call(bytes, (b) => '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'.charAt(b % 34)).join('');
  }

  function showConfirmation() {
    document.title = STEPS.confirmation + ' · ' + SHOP;
    const fromUrl = new URLSearchParams(location.search).get('order') || '';
    const orderId = lastOrder ? lastOrder.id : /^T-[A-Z0-9]{1,32}$/.test(fromUrl) ? fromUrl : '';
    fill($('[data-cart-root]'), [progress('confirmation'), h('section', { class: 'confirmation', 'data-testid': 'confirmation' },
      h('span', { class: 'confirmation__badge', 'aria-hidden': 'true' }),
      h('h1', { class: 'confirmation__title', tabindex: -1, text: 'Thank you for your order!' }),
      orderId && h('p', { class: 'confirmation__number' }, 'Order number ', h('strong', { 'data-testid': 'order-number', text: orderId })),
      lastOrder && h('ul', { class: 'summary__items confirmation__items' }, lastOrder.items.map((i) =>
        h('li', null, h('span', { text: i.quantity + ' × ' + i.item_name + (i.item_variant ? ' (' + i.item_variant + ')' : '') }), h('span', { text: money.format(i.price * i.quantity) })))),
      lastOrder && h('p', { class: 'confirmation__total' }, 'Total paid ', h('strong', { 'data-testid': 'order-total', text: money.format(lastOrder.value) })),
      h('p', { class: 'muted', text: 'This is a demo shop: nothing will be shipped and no payment was taken.' }),
      h('a', { class: 'btn btn--primary', href: withCart('index.html'), 'data-testid': 'continue-shopping' }, 'Continue shopping'))]);
  }

  /* ---------- footer: privacy and demo account ---------- */

  function privacyStatus(text) {
    const el = $('[data-privacy-status]');
    if (el) el.textContent = text;
  }

  /* ---------- events ---------- */

  const actions = {
    // API flavour on product cards: the shop calls spur('cart.add', item) itself.
    'add-to-cart'(button) {
      catalogue.then(() => {
        const p = byId.get(button.getAttribute('data-product-id'));
        if (p) addToCart(p, button.getAttribute('data-variant') || '', 1);
      });
    },
    increase: (button) => changeLine(button, 'increase'),
    decrease: (button) => changeLine(button, 'decrease'),
    remove: (button) => changeLine(button, 'remove'),
    checkout() {
      if (!cart.lines.length) return;
      spur('checkout', { items: cartItems(), currency: CURRENCY, value: cartValue() });
      go('checkout');
    },
    'opt-out'() {
      spur('optOut');
      privacyStatus('Analytics is off for this browser. You can opt back in at any time.');
    },
    'opt-in'() {
      spur('optIn');
      privacyStatus('Thank you! Anonymous analytics is on again.');
    },
    identify() {
      spur('identify', DEMO_CUSTOMER);
      privacyStatus('Signed in as demo customer ' + DEMO_CUSTOMER + '. Only this pseudonymous id is shared, never a name or e-mail.');
    },
  };

  // Listening on window (not document) lets the SDK's own document-level click and submit handlers
  // see the element before this code re-renders anything.
  window.addEventListener('click', (event) => {
    const el = event.target.closest && event.target.closest('button, a');
    if (!el) return;
    // MARKUP-ONLY add to cart: the SDK emits add_to_cart from the data-spur-* attributes.
    // Here we only update the shop's own cart UI and must not call spur as well.
    if (el.matches('button[data-spur-event="add_to_cart"]')) return addFromMarkup(el);
    const action = el.getAttribute('data-action');
    if (action && actions[action]) return actions[action](el);
    const plainClick = event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
    if (el.hasAttribute('data-spa') && plainClick) {
      event.preventDefault();
      go(el.getAttribute('data-spa'));
    }
  });

  window.addEventListener('submit', (event) => {
    const form = event.target;
    if (form.hasAttribute('data-buy-form')) {
      event.preventDefault();
      submitBuyForm(form);
    } else if (form.hasAttribute('data-checkout-form')) {
      event.preventDefault(); // the address is never read nor sent anywhere
      placeOrder();
    }
  });

  window.addEventListener('popstate', () => {
    if (page === 'cart') renderCartApp(true);
  });

  $$('[data-toast]').forEach((el) => {
    el.addEventListener('focusout', hideToastLater);
    el.addEventListener('mouseleave', hideToastLater);
    el.addEventListener('mouseenter', () => clearTimeout(toastTimer));
  });

  /* ---------- start ---------- */

  const searchInput = $('[data-testid="search-input"]');
  if (searchInput && page === 'search') searchInput.value = new URLSearchParams(location.search).get('q') || '';
  syncCartUi(); // header count straight from the URL, before the catalogue arrives

  const renderers = { category: renderCategory, search: renderSearch, product: renderProduct, cart: () => renderCartApp(false) };
  catalogue
    .then(() => {
      sanitizeCart();
      if (renderers[page]) renderers[page]();
      syncCartUi();
      document.body.classList.add('is-ready');
    })
    .catch(() => {
      const main = $('main');
      if (main && page !== 'strict') {
        fill(main, h('div', { class: 'empty', role: 'alert' },
          h('h1', { class: 'empty__title', text: 'The shop is taking a break' }),
          h('p', { class: 'empty__text', text: 'We could not load the catalogue. Please reload the page.' })));
      }
    });
})();
