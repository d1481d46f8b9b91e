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
  ts: number;
  sessionId: string;
  userId: string;
  url: string;
  hostname: string;
  path: string;
  referrer: string;
  referrerHost: string;
  channel: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  utmTerm: string;
  utmContent: string;
  clickId: string;
}

export function eventRow(event: Event, request: RequestFacts, facts: EventFacts): string {
  // Columns left out of a JSONEachRow line get their default ('' / 0 / [] / NULL), so empty
  // values are not written: fewer keys to stringify on the hot path, fewer bytes in the spool.
  const row: Record<string, unknown> = {
    event_id: event.id,
    site_id: request.siteId,
    type: event.type,
    ts: dateTime64(facts.ts),
    client_ts: dateTime64(event.ts),
    sent_at: dateTime64(request.sentAt),
    received_at: dateTime64(request.receivedAt),
    visitor_id: request.visitorId,
    session_id: facts.sessionId,
    url: facts.url,
    hostname: facts.hostname,
    path: facts.path,
    channel: facts.channel,
    browser: request.browser,
    os: request.os,
    device: request.device,
  };
  if (facts.userId) row.user_id = facts.userId;
  if (event.page_id !== undefined) row.page_id = event.page_id;
  if (event.seq) row.seq = event.seq;
  if (event.title) row.title = event.title;
  if (facts.referrer) (row.referrer = facts.referrer), (row.referrer_host = facts.referrerHost);
  if (facts.utmSource) row.utm_source = facts.utmSource;
  if (facts.utmMedium) row.utm_medium = facts.utmMedium;
  if (facts.utmCampaign) row.utm_campaign = facts.utmCampaign;
  if (facts.utmTerm) row.utm_term = facts.utmTerm;
  if (facts.utmContent) row.utm_content = facts.utmContent;
  if (facts.clickId) row.click_id = facts.clickId;
  if (request.browserVersion) row.browser_version = request.browserVersion;
  if (request.isBot) row.is_bot = true;
  if (request.sdk) row.sdk = request.sdk;
  if (event.props) row.props = stringValues(event.props);

  switch (event.type) {
    case 'click': {
      const el = event.element;
      row.element_tag = el.tag;
      if (el.text) row.element_text = el.text;
      if (el.selector) row.element_selector = el.selector;
      if (el.id) row.element_id = el.id;
      if (el.classes?.length) row.element_classes = el.classes;
      if (el.href) row.element_href = el.href;
      if (el.attrs) row.element_attrs = el.attrs;
      break;
    }
    case 'search':
      row.search_query = event.query;
      if (event.results !== undefined) row.search_results = event.results;
      break;
    case 'custom':
      row.name = event.name;
      break;
    case 'view_item':
    case 'add_to_cart':
    case 'remove_from_cart':
    case 'view_cart':
    case 'begin_checkout':
    case 'purchase':
      row.items = event.items;
      if (event.currency) row.currency = event.currency;
      if (event.value !== undefined) row.value = event.value;
      if (event.type === 'purchase') row.transaction_id = event.transaction_id;
      break;
    case 'page_view':
      break;
  }
  return JSON.stringify(row);
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
