import type { Event } from '@spur/protocol';
import type { RowBinaryWriter } from './row-binary.js';

// One accepted event → one RowBinary row for spur.events (row-binary.ts). The columns are
// written in the order of EVENT_ROW_COLUMNS, which the INSERT names; the protocol's names carry
// over wherever they exist. A row is put together from three parts written by different
// threads: its session's columns and its sender's (main thread, complete-batch.ts), and the
// event's own (ingest worker, prepare-batch.ts).

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

const LC = 'LowCardinality(String)';
const TIME = "DateTime64(3, 'UTC')";
const MONEY = 'Nullable(Decimal(18, 4))';

/**
 * spur.events' columns as a row is written (name, type as ClickHouse describes it). The INSERT
 * names them; a test checks them against the table, so a migration that changes a type fails
 * it. Columns added by later migrations and not written here get their defaults.
 */
export const EVENT_ROW_COLUMNS = [
  // the session's (writeSessionColumns)
  ['session_id', 'UInt64'],
  ['channel', LC],
  // the sender's (writeRequestColumns)
  ['site_id', LC],
  ['sent_at', TIME],
  ['received_at', TIME],
  ['visitor_id', 'UInt64'],
  ['browser', LC],
  ['browser_version', LC],
  ['os', LC],
  ['device', LC],
  ['is_bot', 'Bool'],
  ['sdk', LC],
  // the event's own (writeEventColumns)
  ['event_id', 'UUID'],
  ['type', LC],
  ['ts', TIME],
  ['client_ts', TIME],
  ['user_id', 'String'],
  ['page_id', 'UUID'],
  ['seq', 'UInt32'],
  ['url', 'String'],
  ['hostname', LC],
  ['path', 'String'],
  ['title', 'String'],
  ['referrer', 'String'],
  ['referrer_host', LC],
  ['utm_source', LC],
  ['utm_medium', LC],
  ['utm_campaign', LC],
  ['utm_term', 'String'],
  ['utm_content', 'String'],
  ['click_id', LC],
  ['element_tag', LC],
  ['element_text', 'String'],
  ['element_selector', 'String'],
  ['element_id', 'String'],
  ['element_classes', 'Array(String)'],
  ['element_href', 'String'],
  ['element_attrs', 'Map(String, String)'],
  ['search_query', 'String'],
  ['search_results', 'Nullable(UInt32)'],
  [
    'items',
    `Array(Tuple(item_id String, item_name String, item_category ${LC}, item_brand ${LC}, item_variant String, price ${MONEY}, quantity UInt32))`,
  ],
  ['currency', LC],
  ['value', MONEY],
  ['transaction_id', 'String'],
  ['name', LC],
  ['props', 'Map(String, String)'],
] as const;

/** A session as rows carry it: its id (a UInt64, as 32-bit halves) and its channel. */
export interface SessionColumns {
  readonly idLow: number;
  readonly idHigh: number;
  readonly channel: string;
}

export function writeSessionColumns(w: RowBinaryWriter, session: SessionColumns): void {
  w.uint64Halves(session.idLow, session.idHigh);
  w.string(session.channel);
}

/** The sender's columns. A batch shares them: written once per sender, copied into each row. */
export function writeRequestColumns(w: RowBinaryWriter, request: RequestFacts): void {
  w.string(request.siteId);
  w.dateTime64(request.sentAt);
  w.dateTime64(request.receivedAt);
  w.uint64Decimal(request.visitorId);
  w.string(request.browser);
  w.string(request.browserVersion);
  w.string(request.os);
  w.string(request.device);
  w.bool(request.isBot);
  w.string(request.sdk);
}

/**
 * The event's own columns: the collector's hottest loop. Values the protocol constrained
 * (UUIDs, integers, bounded amounts) are written as they are; absent ones as their column's
 * default ('' / 0 / zero UUID / [] / {} / NULL).
 */
export function writeEventColumns(w: RowBinaryWriter, event: Event, facts: EventFacts): void {
  w.uuid(event.id);
  w.string(event.type);
  w.dateTime64(facts.ts);
  w.dateTime64(event.ts);
  w.string(facts.userId);
  if (event.page_id !== undefined) w.uuid(event.page_id);
  else w.zeroUuid();
  w.uint32(event.seq ?? 0);
  w.string(facts.url);
  w.string(facts.hostname);
  w.string(facts.path);
  w.string(event.title ?? '');
  w.string(facts.referrer);
  w.string(facts.referrer ? facts.referrerHost : '');
  w.string(facts.utmSource);
  w.string(facts.utmMedium);
  w.string(facts.utmCampaign);
  w.string(facts.utmTerm);
  w.string(facts.utmContent);
  w.string(facts.clickId);

  // element_tag … element_attrs
  if (event.type === 'click') {
    const el = event.element;
    w.string(el.tag);
    w.string(el.text ?? '');
    w.string(el.selector ?? '');
    w.string(el.id ?? '');
    w.stringArray(el.classes);
    w.string(el.href ?? '');
    w.stringMap(el.attrs);
  } else {
    w.string('');
    w.string('');
    w.string('');
    w.string('');
    w.uint8(0);
    w.string('');
    w.uint8(0);
  }

  // search_query, search_results
  if (event.type === 'search') {
    w.string(event.query);
    w.nullableUInt32(event.results);
  } else {
    w.string('');
    w.uint8(1);
  }

  // items, currency, value, transaction_id
  if ('items' in event) {
    w.varUInt(event.items.length);
    for (const item of event.items) {
      w.string(item.item_id);
      w.string(item.item_name ?? '');
      w.string(item.item_category ?? '');
      w.string(item.item_brand ?? '');
      w.string(item.item_variant ?? '');
      w.nullableDecimal64Scale4(item.price);
      w.uint32(item.quantity);
    }
    w.string(event.currency ?? '');
    w.nullableDecimal64Scale4(event.value);
    w.string(event.type === 'purchase' ? event.transaction_id : '');
  } else {
    w.uint8(0);
    w.string('');
    w.uint8(1);
    w.string('');
  }

  w.string(event.type === 'custom' ? event.name : '');
  w.stringMap(event.props);
}

/** ClickHouse reads `seconds.millis` into DateTime64(3) exactly, whatever the server's time zone. */
export function dateTime64(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const millis = ms - seconds * 1000;
  return `${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}`;
}
