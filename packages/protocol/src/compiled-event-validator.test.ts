import { describe, expect, it } from 'vitest';
import { REFINEMENTS, acceptEvent, prepareEventValidation } from './compiled-event-validator.js';
import { LIMITS as L } from './limits.js';
import { Event } from './schema.js';
import { validateEvent } from './validate.js';

// The compiled validator is a fast path for the zod schema, never a second opinion: whatever it
// accepts, zod accepts with the same output, and it accepts every event zod accepts. These cases
// walk every field of every event type through valid, invalid and hostile values.

const id = '0b9e8a52-4a43-4c2b-9a57-4a1a4c0f6a11';
const page = '7d0c2b1e-3f4a-4b5c-8d6e-9f0a1b2c3d4e';
const common = { id, ts: 1_767_225_600_000, url: 'https://shop.example/p/1?x=1', referrer: 'https://www.google.com/', title: 'Schuhe', page_id: page, seq: 3, user_id: 'u-1', props: { variant: 'B', step: 2, new: true }, context: { ip: '203.0.113.9', user_agent: 'UA' } };
const item = { item_id: 'sku-1', item_name: 'Schuh', item_category: 'Schuhe', item_brand: 'B', item_variant: 'rot', price: 59.9, quantity: 2 };
const BASES: Record<string, unknown>[] = [
  { ...common, type: 'page_view' },
  { ...common, type: 'click', element: { tag: 'a', text: 'Kaufen', selector: 'main > a.buy', id: 'buy', classes: ['buy', 'cta'], href: '/cart', attrs: { role: 'cta' } } },
  { ...common, type: 'search', query: 'rote schuhe', results: 0 },
  { ...common, type: 'view_item', items: [item], currency: 'EUR', value: 59.9 },
  { ...common, type: 'add_to_cart', items: [item, { item_id: 'sku-2' }] },
  { ...common, type: 'remove_from_cart', items: [item] },
  { ...common, type: 'view_cart' },
  { ...common, type: 'begin_checkout', items: [item], value: 119.8 },
  { ...common, type: 'purchase', items: [item], currency: 'EUR', value: 119.8, transaction_id: 'T-1' },
  { ...common, type: 'custom', name: 'newsletter.signup' },
];

// Lengths are counted in characters (code points), by zod and by JSON Schema alike: an emoji is one.
const astral = (chars: number) => '😀'.repeat(chars);
const strings = (max: number) => ['', 'x', 'x'.repeat(max), 'x'.repeat(max + 1), astral(max), astral(max + 1), astral(max - 1) + 'xx', 'Grüße "ß" \u0000 \n'];
const HOSTILE: unknown[] = [undefined, null, true, 0, -1, 1.5, 1e300, Number.MAX_SAFE_INTEGER + 2, '', '1', [], {}, ['x'], { x: 1 }];
const FIELD_MAX: Record<string, number> = {
  url: L.maxUrlLength, referrer: L.maxUrlLength, title: L.maxTitleLength, user_id: L.maxUserIdLength, query: L.maxSearchQueryLength,
  transaction_id: L.maxTransactionIdLength, name: L.maxCustomNameLength, tag: L.maxElementTagLength, text: L.maxElementTextLength,
  selector: L.maxSelectorLength, href: L.maxUrlLength, item_id: L.maxItemFieldLength, item_name: L.maxItemFieldLength, ip: 64, user_agent: L.maxUserAgentLength,
};

/** Variants of `value` at `path`: removed, hostile values, strings around its limit, unknown keys next to it. */
function* variants(base: Record<string, unknown>): Generator<unknown> {
  yield base;
  yield { ...base, unknown_field: { deep: [1, 2] } };
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    if (path.length > 0) paths.push(path);
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(base, []);
  for (const path of paths) {
    const key = path[path.length - 1]!;
    const values: unknown[] = [...HOSTILE, ...strings(FIELD_MAX[key] ?? 64)];
    if (key === 'url' || key === 'referrer' || key === 'href') values.push('ftp://shop.example/', 'http://', 'https://exa mple.com/', 'javascript:alert(1)', 'http://[::1]/x', 'HTTPS://SHOP.EXAMPLE/', 'https://shop.example/' + 'a'.repeat(L.maxUrlLength));
    if (key === 'id' || key === 'page_id') values.push(id.toUpperCase(), id.replace('4a43', '0a43'), '00000000-0000-0000-0000-000000000000', id + ' ');
    if (key === 'ts') values.push(L.minTimestamp - 1, L.minTimestamp, L.maxTimestamp, L.maxTimestamp + 1);
    if (key === 'currency') values.push('eur', 'EURO', 'USD');
    if (key === 'name') values.push('has space', 'ok_name:1', 'ä');
    if (key === 'quantity' || key === 'seq' || key === 'results') values.push(0, 1, 1_000_000, 1_000_001, 4_294_967_296);
    if (key === 'type') values.push('page_view', 'click', 'nope', 'constructor', '__proto__');
    if (key === 'items') values.push([], Array.from({ length: L.maxItems }, () => item), Array.from({ length: L.maxItems + 1 }, () => item), [{ ...item, extra: 1 }], [{ item_id: '' }]);
    if (key === 'props' || key === 'attrs') {
      const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
      values.push(many(L.maxAttrs), many(L.maxAttrs + 1), many(L.maxProps), many(L.maxProps + 1), { '': 'v' }, { ['k'.repeat(L.maxPropKeyLength + 1)]: 'v' }, { k: { nested: 1 } }, { k: null });
    }
    if (key === 'classes') values.push(Array.from({ length: L.maxClasses + 1 }, () => 'c'), ['c'.repeat(L.maxClassLength + 1)], [1]);
    for (const v of [undefined, ...values]) yield setAt(base, path, v);
  }
}

function setAt(value: unknown, path: string[], v: unknown): unknown {
  if (path.length === 0) return v;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const [head, ...rest] = path;
  const next = setAt((value as Record<string, unknown>)[head!], rest, v);
  if (next === undefined && !Array.isArray(copy)) delete (copy as Record<string, unknown>)[head!];
  else (copy as Record<string, unknown>)[head!] = next;
  return copy;
}

describe('the compiled event validator, against the zod schema', () => {
  it('gives zod\'s verdict and zod\'s output for every variant of every event type', () => {
    let accepted = 0;
    let refused = 0;
    for (const base of BASES) {
      for (const variant of variants(base)) {
        const json = JSON.stringify(variant); // what arrives on the wire
        if (json === undefined) continue;
        const byZod = Event.safeParse(JSON.parse(json));
        const fast = acceptEvent(JSON.parse(json));
        if (byZod.success) {
          expect(fast, json).toStrictEqual(byZod.data);
          accepted++;
        } else {
          expect(fast, json).toBeUndefined();
          refused++;
        }
      }
    }
    // The walk covers both sides substantially.
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(1000);
  });

  it('agrees on what only raw JSON text can carry: numbers beyond double range, odd record keys', () => {
    const texts: string[] = [];
    for (const base of BASES) {
      const json = JSON.stringify(base);
      for (const number of ['1e400', '-1e400', '1e308', '-0', '2.0', '9007199254740993']) {
        for (const field of ['"value":119.8', '"price":59.9', '"step":2', '"seq":3', '"results":0', '"quantity":2', '"ts":1767225600000']) {
          if (json.includes(field)) texts.push(json.replace(field, field.replace(/:.*/, ':' + number)));
        }
      }
      for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '']) {
        texts.push(json.replace('"variant":"B"', `"${key}":"B"`), json.replace('"role":"cta"', `"${key}":"x"`));
      }
    }
    expect(texts.length).toBeGreaterThan(150);
    for (const text of texts) {
      const byZod = Event.safeParse(JSON.parse(text));
      // The fast path may leave a case to zod (a `__proto__` record key), never decide it otherwise.
      const fast = acceptEvent(JSON.parse(text));
      if (fast !== undefined) expect(byZod.success ? byZod.data : 'refused by zod', text).toStrictEqual(fast);
      const result = validateEvent(JSON.parse(text));
      expect(result.ok, text).toBe(byZod.success);
      if (result.ok) expect(result.value, text).toStrictEqual(byZod.data);
    }
  });

  it('covers every event type, and every refinement of the schema is one it restores', () => {
    expect(prepareEventValidation().sort()).toEqual(Event.options.map((o) => o.shape.type.value).sort());
    // A refinement does not survive the JSON Schema export: a new one must be added to the
    // compiled validator (and to REFINEMENTS) before this passes.
    const refinements = new Set<string>();
    const seen = new Set<unknown>();
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object' || seen.has(node)) return;
      seen.add(node);
      const zod = (node as { _zod?: { def: { checks?: Array<{ _zod: { def: { check: string; error?: () => string } } }> } } })._zod;
      if (zod) {
        for (const check of zod.def.checks ?? []) if (check._zod.def.check === 'custom') refinements.add(String(check._zod.def.error?.()));
        walk(zod.def);
        return;
      }
      for (const value of Object.values(node)) walk(value);
    };
    walk(Event);
    expect([...refinements].sort()).toEqual([...REFINEMENTS].sort());
  });

  it('leaves a refused event exactly as it was sent (it is stored in rejected_events)', () => {
    const sent = { ...BASES[4]!, items: [{ item_id: 'sku-1', quantity: 0, extra: 'kept' }], unknown_field: 1 };
    const input = structuredClone(sent);
    const result = validateEvent(input);
    expect(result.ok).toBe(false);
    expect(input).toEqual(sent);
    if (!result.ok) expect(result.errors).toEqual([{ path: 'items.0.quantity', message: expect.any(String) }]);
  });

  it('fills in zod\'s defaults and drops unknown keys on the way in', () => {
    const result = validateEvent({ id, ts: common.ts, url: common.url, type: 'view_cart', stray: 1 });
    expect(result).toEqual({ ok: true, value: { id, ts: common.ts, url: common.url, type: 'view_cart', items: [] } });
    const click = validateEvent({ id, ts: common.ts, url: common.url, type: 'click', element: { tag: 'a', stray: 1 } });
    expect(click.ok && click.value.type === 'click' && click.value.element).toEqual({ tag: 'a', text: '', selector: '' });
  });
});
