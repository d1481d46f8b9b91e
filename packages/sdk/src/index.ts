// ESM entry for bundlers. Importing has no side effects; createTracker() starts tracking.
import { make } from './tracker.js';
import type { Options, Tracker } from './types.js';

export type { BeforeSend, Cart, EventProps, Item, Options, Order, SpurEvent, Tracker } from './types.js';
export { VERSION } from './version.js';

/**
 * Creates a tracker and starts automatic tracking: a page view now and on SPA navigation,
 * clicks on links, buttons and `data-spur-event` elements, search detection, and delivery on
 * page hide. Call it once per page (in the browser; elsewhere it returns an inert tracker).
 *
 * @example
 * const spur = createTracker({ site: 'demo', endpoint: 'https://shop.example/spur' });
 * spur.cart.add({ item_id: 'SKU-1', price: 89.9 });
 */
export function createTracker(options: Options): Tracker {
  return make(options, undefined, '');
}
