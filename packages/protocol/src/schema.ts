import { z } from 'zod';
import { LIMITS as L } from './limits.js';

// Wire protocol v1 as zod schemas. Unknown keys are stripped, not refused, so an SDK newer
// than its collector still gets its events in. Every string, array and map is bounded.

const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const nonEmpty = (max: number) => text(max).min(1, 'must not be empty');

const epochMs = z
  .number()
  .int('must be an integer (epoch milliseconds)')
  .min(L.minTimestamp, 'must be epoch milliseconds after 2000-01-01')
  .max(L.maxTimestamp, 'must be epoch milliseconds before 2100-01-01');

const httpUrl = z
  .string()
  .max(L.maxUrlLength, `at most ${L.maxUrlLength} characters`)
  .refine(isHttpUrl, 'must be an absolute http(s) URL');

/** Money (a `value` or an item's `price`), bounded to what its Decimal(18, 4) column holds. */
const amount = z
  .number()
  .min(-L.maxAmount, `at least -${L.maxAmount}`)
  .max(L.maxAmount, `at most ${L.maxAmount}`);

/** Flat map of string/number/boolean values, e.g. `{ "variant": "B", "step": 2 }`. */
export const Props = z
  .record(
    nonEmpty(L.maxPropKeyLength),
    z.union([text(L.maxPropValueLength), z.number().finite(), z.boolean()]),
  )
  .refine((p) => Object.keys(p).length <= L.maxProps, `at most ${L.maxProps} keys`)
  // The same bound for the JSON Schema export (compiled-event-validator.ts), which drops refine.
  .meta({ maxProperties: L.maxProps });

/** GA4's item fields, so a shop's existing data layer maps one to one. */
export const Item = z.object({
  item_id: nonEmpty(L.maxItemFieldLength),
  item_name: text(L.maxItemFieldLength).optional(),
  item_category: text(L.maxItemFieldLength).optional(),
  item_brand: text(L.maxItemFieldLength).optional(),
  item_variant: text(L.maxItemFieldLength).optional(),
  price: amount.optional(),
  quantity: z.number().int().min(1).max(1_000_000).default(1),
});

/** The clicked element as the SDK describes it. Never an input's value. */
export const Element = z.object({
  tag: nonEmpty(L.maxElementTagLength),
  text: text(L.maxElementTextLength).default(''),
  selector: text(L.maxSelectorLength).default(''),
  id: text(L.maxElementIdLength).optional(),
  classes: z.array(text(L.maxClassLength)).max(L.maxClasses).optional(),
  href: text(L.maxUrlLength).optional(),
  /** The element's `data-spur-*` attributes, keyed without the prefix. */
  attrs: z
    .record(nonEmpty(L.maxPropKeyLength), text(L.maxPropValueLength))
    .refine((a) => Object.keys(a).length <= L.maxAttrs, `at most ${L.maxAttrs} attributes`)
    .meta({ maxProperties: L.maxAttrs })
    .optional(),
});

/** What a back end saw of the shopper; accepted only with the site's server key. */
export const ClientContext = z.object({
  ip: text(64).optional(),
  user_agent: text(L.maxUserAgentLength).optional(),
});

const base = {
  /** Chosen once by the client; a resend with the same id is counted once. */
  id: z.uuid('must be a UUID'),
  /** Client clock, epoch ms. The collector corrects skew with the envelope's `sent_at`. */
  ts: epochMs,
  url: httpUrl,
  referrer: text(L.maxUrlLength).optional(),
  title: text(L.maxTitleLength).optional(),
  /** Pseudonymous id of a logged-in shopper. Never an e-mail address or a name. */
  user_id: nonEmpty(L.maxUserIdLength).optional(),
  props: Props.optional(),
  /** Id of the page view this event belongs to, and its position in it (0, 1, 2, …). */
  page_id: z.uuid('must be a UUID').optional(),
  seq: z.number().int().min(0).max(1_000_000).optional(),
  context: ClientContext.optional(),
};

const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"');
const items = z.array(Item).max(L.maxItems, `at most ${L.maxItems} items`);

const commerce = {
  items: items.default([]),
  currency: currency.optional(),
  value: amount.optional(),
};

export const PageViewEvent = z.object({ ...base, type: z.literal('page_view') });

export const ClickEvent = z.object({ ...base, type: z.literal('click'), element: Element });

export const SearchEvent = z.object({
  ...base,
  type: z.literal('search'),
  query: nonEmpty(L.maxSearchQueryLength),
  /** Number of results the page showed; 0 marks a search that found nothing. */
  results: z.number().int().min(0).max(L.maxSearchResults).optional(),
});

const withItems = { ...commerce, items: items.min(1, 'needs at least one item') };

export const ViewItemEvent = z.object({ ...base, type: z.literal('view_item'), ...withItems });
export const AddToCartEvent = z.object({ ...base, type: z.literal('add_to_cart'), ...withItems });
export const RemoveFromCartEvent = z.object({ ...base, type: z.literal('remove_from_cart'), ...withItems });
export const ViewCartEvent = z.object({ ...base, type: z.literal('view_cart'), ...commerce });
export const BeginCheckoutEvent = z.object({ ...base, type: z.literal('begin_checkout'), ...commerce });
export const PurchaseEvent = z.object({
  ...base,
  type: z.literal('purchase'),
  ...commerce,
  transaction_id: nonEmpty(L.maxTransactionIdLength),
});

export const CustomEvent = z.object({
  ...base,
  type: z.literal('custom'),
  name: nonEmpty(L.maxCustomNameLength).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
});

export const Event = z.discriminatedUnion('type', [
  PageViewEvent,
  ClickEvent,
  SearchEvent,
  ViewItemEvent,
  AddToCartEvent,
  RemoveFromCartEvent,
  ViewCartEvent,
  BeginCheckoutEvent,
  PurchaseEvent,
  CustomEvent,
]);

/**
 * The envelope is checked on its own first, with events left unparsed, so that one bad event
 * costs only itself: valid events in the same batch are still accepted.
 */
export const BatchEnvelope = z.object({
  site: nonEmpty(L.maxSiteIdLength).regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, _ and - only'),
  /** Client clock when the batch left, epoch ms. */
  sent_at: epochMs,
  events: z
    .array(z.unknown())
    .min(1, 'needs at least one event')
    .max(L.maxEventsPerBatch, `at most ${L.maxEventsPerBatch} events`),
  /** Events the SDK had to drop (queue full, retries exhausted) since its previous batch. */
  dropped: z.number().int().min(0).max(L.maxDropped).optional(),
  /** SDK name and version, e.g. "spur-js/0.1.0". */
  sdk: text(L.maxSdkVersionLength).optional(),
});

export const Batch = BatchEnvelope.extend({ events: z.array(Event).min(1).max(L.maxEventsPerBatch) });

export type Item = z.infer<typeof Item>;
export type ItemInput = z.input<typeof Item>;
export type Element = z.infer<typeof Element>;
export type Props = z.infer<typeof Props>;
export type ClientContext = z.infer<typeof ClientContext>;
/** An event after validation (defaults applied). */
export type Event = z.infer<typeof Event>;
/** An event as a client may send it (optional fields with defaults may be left out). */
export type EventInput = z.input<typeof Event>;
export type BatchEnvelope = z.infer<typeof BatchEnvelope>;
/** The request body of `POST /v1/batch`, as a client sends it. */
export type BatchInput = z.input<typeof Batch>;
export type Batch = z.infer<typeof Batch>;

/** The last URL found valid: a page's events share their URL, so most checks are this compare. */
let lastHttpUrl: string | undefined;

/** An absolute http(s) URL (the `url` refinement; exported for the compiled validator). */
export function isHttpUrl(value: string): boolean {
  if (value === lastHttpUrl) return true;
  if (!value.startsWith('http://') && !value.startsWith('https://')) return false;
  if (!URL.canParse(value)) return false;
  lastHttpUrl = value;
  return true;
}
