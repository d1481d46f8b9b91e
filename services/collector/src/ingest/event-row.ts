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

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export function eventRow(event: Event, request: RequestFacts, facts: EventFacts): string {
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
    user_id: facts.userId,
    page_id: event.page_id ?? NIL_UUID,
    seq: event.seq ?? 0,
    url: facts.url,
    hostname: facts.hostname,
    path: facts.path,
    title: event.title ?? '',
    referrer: facts.referrer,
    referrer_host: facts.referrerHost,
    channel: facts.channel,
    utm_source: facts.utmSource,
    utm_medium: facts.utmMedium,
    utm_campaign: facts.utmCampaign,
    utm_term: facts.utmTerm,
    utm_content: facts.utmContent,
    click_id: facts.clickId,
    browser: request.browser,
    browser_version: request.browserVersion,
    os: request.os,
    device: request.device,
    is_bot: request.isBot,
    sdk: request.sdk,
  };
  if (event.props) row.props = stringValues(event.props);

  switch (event.type) {
    case 'click': {
      const el = event.element;
      row.element_tag = el.tag;
      row.element_text = el.text;
      row.element_selector = el.selector;
      row.element_id = el.id ?? '';
      row.element_classes = el.classes ?? [];
      row.element_href = el.href ?? '';
      row.element_attrs = el.attrs ?? {};
      break;
    }
    case 'search':
      row.search_query = event.query;
      row.search_results = event.results ?? null;
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
      row.currency = event.currency ?? '';
      row.value = event.value ?? null;
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
