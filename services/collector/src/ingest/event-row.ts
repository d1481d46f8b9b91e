import type { Event } from '@spur/protocol';

// One accepted event → one JSONEachRow line for spur.events. Field names are the table's
// columns (docs/schema.md); the protocol's names carry over wherever they exist.

/** What enrichment computed for a request and for each event in it. */
export interface RequestFacts {
  siteId: string;
  sentAt: number;
  receivedAt: number;
  visitorId: string;
  browser: string;
  browserVersion: string;
  os: string;
  device: string;
  isBot: boolean;
  sdk: string;
}

export interface EventFacts {
  /** Skew-corrected event time, epoch ms. */
  ts: number;
  /** The event's own channel; the row gets its session's channel (complete-batch.ts). */
  channel: string;
  userId: string;
  url: string;
  hostname: string;
  path: string;
  referrer: string;
  referrerHost: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  utmTerm: string;
  utmContent: string;
  clickId: string;
}

/**
 * The columns that come from the request, as a JSON fragment (`"site_id":…,…`, no braces).
 * A batch shares them, so they are serialised once per request facts, not once per event.
 */
export function requestColumns(request: RequestFacts): string {
  let s =
    '"site_id":' + JSON.stringify(request.siteId) +
    ',"sent_at":"' + dateTime64(request.sentAt) +
    '","received_at":"' + dateTime64(request.receivedAt) +
    '","visitor_id":"' + request.visitorId +
    '","browser":' + JSON.stringify(request.browser) +
    ',"os":' + JSON.stringify(request.os) +
    ',"device":' + JSON.stringify(request.device);
  if (request.browserVersion) s += ',"browser_version":' + JSON.stringify(request.browserVersion);
  if (request.isBot) s += ',"is_bot":true';
  if (request.sdk) s += ',"sdk":' + JSON.stringify(request.sdk);
  return s;
}

/**
 * One JSONEachRow line (without its newline): the session's columns, the sender's (see
 * requestColumns) and the event's own (see eventColumns).
 */
export function eventRow(sessionId: string, sessionChannel: string, requestCols: string, eventCols: string): string {
  return '{"session_id":"' + sessionId + '","channel":' + JSON.stringify(sessionChannel) + ',' + requestCols + ',' + eventCols + '}';
}

/**
 * The event's own columns as a JSON fragment (no braces). Built as a string rather than an
 * object handed to JSON.stringify: this is the collector's hottest loop. Free text goes through
 * JSON.stringify for escaping; values the protocol already constrained (UUIDs, type literals,
 * integers) and the collector's own (timestamps) are written as they are. Columns left out get
 * their default ('' / 0 / [] / NULL), so empty values are not written.
 */
export function eventColumns(event: Event, facts: EventFacts): string {
  let s =
    '"event_id":"' + event.id +
    '","type":"' + event.type +
    '","ts":"' + dateTime64(facts.ts) +
    '","client_ts":"' + dateTime64(event.ts) +
    '","url":' + JSON.stringify(facts.url) +
    ',"hostname":' + JSON.stringify(facts.hostname) +
    ',"path":' + JSON.stringify(facts.path);
  if (facts.userId) s += ',"user_id":' + JSON.stringify(facts.userId);
  if (event.page_id !== undefined) s += ',"page_id":"' + event.page_id + '"';
  if (event.seq) s += ',"seq":' + event.seq;
  if (event.title) s += ',"title":' + JSON.stringify(event.title);
  if (facts.referrer) s += ',"referrer":' + JSON.stringify(facts.referrer) + ',"referrer_host":' + JSON.stringify(facts.referrerHost);
  if (facts.utmSource) s += ',"utm_source":' + JSON.stringify(facts.utmSource);
  if (facts.utmMedium) s += ',"utm_medium":' + JSON.stringify(facts.utmMedium);
  if (facts.utmCampaign) s += ',"utm_campaign":' + JSON.stringify(facts.utmCampaign);
  if (facts.utmTerm) s += ',"utm_term":' + JSON.stringify(facts.utmTerm);
  if (facts.utmContent) s += ',"utm_content":' + JSON.stringify(facts.utmContent);
  if (facts.clickId) s += ',"click_id":' + JSON.stringify(facts.clickId);
  if (event.props) s += ',"props":' + JSON.stringify(stringValues(event.props));

  switch (event.type) {
    case 'click': {
      const el = event.element;
      s += ',"element_tag":' + JSON.stringify(el.tag);
      if (el.text) s += ',"element_text":' + JSON.stringify(el.text);
      if (el.selector) s += ',"element_selector":' + JSON.stringify(el.selector);
      if (el.id) s += ',"element_id":' + JSON.stringify(el.id);
      if (el.classes?.length) s += ',"element_classes":' + JSON.stringify(el.classes);
      if (el.href) s += ',"element_href":' + JSON.stringify(el.href);
      if (el.attrs) s += ',"element_attrs":' + JSON.stringify(el.attrs);
      break;
    }
    case 'search':
      s += ',"search_query":' + JSON.stringify(event.query);
      if (event.results !== undefined) s += ',"search_results":' + event.results;
      break;
    case 'custom':
      s += ',"name":' + JSON.stringify(event.name);
      break;
    case 'view_item':
    case 'add_to_cart':
    case 'remove_from_cart':
    case 'view_cart':
    case 'begin_checkout':
    case 'purchase':
      s += ',"items":' + JSON.stringify(event.items);
      if (event.currency) s += ',"currency":"' + event.currency + '"';
      if (event.value !== undefined) s += ',"value":' + event.value;
      if (event.type === 'purchase') s += ',"transaction_id":' + JSON.stringify(event.transaction_id);
      break;
    case 'page_view':
      break;
  }
  return s;
}

/** ClickHouse reads `seconds.millis` into DateTime64(3) exactly, whatever the server's time zone. */
export function dateTime64(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const millis = ms - seconds * 1000;
  return `${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}`;
}

function stringValues(props: Record<string, string | number | boolean>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in props) out[key] = String(props[key]);
  return out;
}
