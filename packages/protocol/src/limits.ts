// Wire protocol v1: names and bounds shared by the SDK (which must not bundle zod) and the
// collector. Everything here is plain data so it tree-shakes into the browser bundle.

export const PROTOCOL_VERSION = 1;

/** Path the SDK posts batches to, relative to the collector's base URL. */
export const BATCH_PATH = '/v1/batch';

export const LIMITS = {
  /** Request body, after decompression. */
  maxBodyBytes: 256 * 1024,
  maxEventsPerBatch: 500,
  maxSiteIdLength: 64,
  maxUrlLength: 2048,
  maxTitleLength: 512,
  maxUserIdLength: 128,
  maxProps: 32,
  maxPropKeyLength: 64,
  maxPropValueLength: 512,
  maxElementTagLength: 32,
  maxElementTextLength: 100,
  maxSelectorLength: 256,
  maxElementIdLength: 128,
  maxClasses: 16,
  maxClassLength: 64,
  maxAttrs: 16,
  maxSearchQueryLength: 256,
  maxItems: 100,
  maxItemFieldLength: 200,
  maxCustomNameLength: 64,
  maxTransactionIdLength: 128,
  maxUserAgentLength: 1024,
  maxSdkVersionLength: 32,
  /** Number of events the SDK may report as dropped in one batch. */
  maxDropped: 1_000_000,
  /**
   * Largest `value` / item `price`, either sign. The columns are Decimal(18, 4): 14 digits before
   * the point; larger numbers would make ClickHouse refuse the whole request's rows.
   */
  maxAmount: 1_000_000_000_000,
  /** Largest `results` of a search: the column is a UInt32, which would wrap larger numbers. */
  maxSearchResults: 4_294_967_295,
  /** Oldest accepted client timestamp (2000-01-01) and newest (2100-01-01), epoch ms. */
  minTimestamp: 946_684_800_000,
  maxTimestamp: 4_102_444_800_000,
} as const;

export const CART_EVENT_TYPES = [
  'view_item',
  'add_to_cart',
  'remove_from_cart',
  'view_cart',
  'begin_checkout',
  'purchase',
] as const;

export const EVENT_TYPES = ['page_view', 'click', 'search', ...CART_EVENT_TYPES, 'custom'] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type CartEventType = (typeof CART_EVENT_TYPES)[number];

/** Machine codes in error bodies: `{ "code": ..., "message": ... }`. */
export const ERROR_CODES = {
  badRequest: 'bad_request',
  invalidJson: 'invalid_json',
  invalidEnvelope: 'invalid_envelope',
  unknownSite: 'unknown_site',
  originNotAllowed: 'origin_not_allowed',
  invalidServerKey: 'invalid_server_key',
  bodyTooLarge: 'body_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  unsupportedEncoding: 'unsupported_encoding',
  rateLimited: 'rate_limited',
  overloaded: 'overloaded',
  notFound: 'not_found',
  internal: 'internal_error',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
