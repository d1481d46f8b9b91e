import type { EventInput, ItemInput, Props } from '@spur/protocol';

/** A product line with GA4's field names: `item_id` is required, `quantity` defaults to 1. */
export type Item = ItemInput;

/** A cart or checkout: `value` defaults to sum(price × quantity) when every item has a price. */
export interface Cart {
  items: Item[];
  /** ISO 4217 code such as "EUR"; defaults to the `currency` option. */
  currency?: string;
  value?: number;
}

/** A completed order. */
export interface Order extends Cart {
  transaction_id: string;
}

/** One event as it will be sent (protocol v1, `EventInput`). */
export type SpurEvent = EventInput;

/**
 * Custom event properties: string (truncated to 512 characters), finite number or boolean values;
 * other values are left out. The collector accepts at most 32 keys of at most 64 characters.
 */
export type EventProps = Props;

/** Gets every event before it is queued; return it (changed or not) to keep it, or null/false to drop it. */
export type BeforeSend = (event: SpurEvent) => SpurEvent | null | undefined | false;

export interface Options {
  /** Site id as configured in the collector (lowercase letters, digits, `_`, `-`). Required. */
  site: string;
  /**
   * Base URL of the collector; batches go to `${endpoint}/v1/batch`.
   * Default: '' (the page's own origin). The script tag defaults to the script's own directory.
   */
  endpoint?: string;
  /** Log one console warning per rejected call or internal error. Default false. */
  debug?: boolean;
  /** 'respect': send nothing when the browser's Do Not Track is on. Global Privacy Control is always honoured. */
  dnt?: 'respect' | 'ignore';
  /** Single-page-app page views: 'history' (default: pushState/replaceState/popstate), 'hash' (also the #fragment), 'off'. */
  spa?: 'history' | 'hash' | 'off';
  /** URL parameters / input names that carry a search query. Default ['q', 's', 'query', 'search']; [] turns search detection off. */
  searchParams?: string[];
  /** Extra URL parameters (exact names) removed from `url`, `referrer` and `href`, added to the built-in list. */
  stripParams?: string[];
  /** Send once this many events are queued. Default 20. */
  batchSize?: number;
  /** Send queued events after at most this many milliseconds. Default 2000. */
  flushMs?: number;
  /** Default ISO 4217 currency for commerce events, e.g. 'EUR'. */
  currency?: string;
  /** See {@link BeforeSend}. */
  beforeSend?: BeforeSend;
}

export interface Tracker {
  /** Calls a method by its path, as the stub does: `spur('cart.add', item)`. */
  (method: string, ...args: unknown[]): void;
  /** Custom event; name: letters, digits and `_ . : -`, at most 64 characters. */
  track(name: string, props?: EventProps): void;
  /** A search; `results: 0` marks a search that found nothing. */
  search(query: string, options?: { results?: number }): void;
  viewItem(item: Item): void;
  cart: {
    add(item: Item): void;
    remove(item: Item): void;
  };
  viewCart(items: Item[]): void;
  /** begin_checkout. */
  checkout(cart: Cart): void;
  purchase(order: Order): void;
  /** Pseudonymous user id for later events (never an e-mail address); null or '' clears it. Not stored. */
  identify(userId: string | null): void;
  /** Stops tracking and discards queued events; remembered in localStorage `spur:optout` = "1". */
  optOut(): void;
  /** Undoes optOut() and removes the flag. */
  optIn(): void;
  /** Sends queued events now. */
  flush(): void;
  /** Records a page view for the current URL (always, even if it equals the previous one). */
  page(): void;
  /** Sets (or with null removes) the beforeSend hook. */
  beforeSend(hook: BeforeSend | null): void;
}
