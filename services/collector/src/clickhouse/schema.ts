// The ClickHouse schema as an ordered list of migrations. A migration is never edited once
// released: change the schema by appending one. Every statement is idempotent (IF NOT EXISTS,
// ADD COLUMN IF NOT EXISTS, …) so that several collectors may run them at the same time and a
// crash half-way through is repaired by simply running them again. docs/schema.md describes
// the result and a test checks that it matches what ClickHouse reports.

export interface Migration {
  version: number;
  name: string;
  /** `{db}` is replaced with the configured database name. */
  statements: string[];
}

const item = `Tuple(
    item_id String,
    item_name String,
    item_category LowCardinality(String),
    item_brand LowCardinality(String),
    item_variant String,
    price Nullable(Decimal(18, 4)),
    quantity UInt32)`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, rejected events, visitor salts, daily overview',
    statements: [
      // One row per accepted event. Partition and sort key hold only values that are identical
      // on every resend of an event (site, the client's own ts, the event id), so a client
      // retry or a spool replay collapses into one row when ReplacingMergeTree merges, and
      // FINAL / uniqExact(event_id) count it once before then.
      `CREATE TABLE IF NOT EXISTS {db}.events
(
    event_id UUID,
    site_id LowCardinality(String),
    type LowCardinality(String),
    ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    client_ts DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    sent_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    received_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    visitor_id UInt64,
    session_id UInt64,
    user_id String,
    page_id UUID,
    seq UInt32,
    url String CODEC(ZSTD(3)),
    hostname LowCardinality(String),
    path String CODEC(ZSTD(3)),
    title String CODEC(ZSTD(3)),
    referrer String CODEC(ZSTD(3)),
    referrer_host LowCardinality(String),
    channel LowCardinality(String),
    utm_source LowCardinality(String),
    utm_medium LowCardinality(String),
    utm_campaign LowCardinality(String),
    utm_term String,
    utm_content String,
    click_id LowCardinality(String),
    browser LowCardinality(String),
    browser_version LowCardinality(String),
    os LowCardinality(String),
    device LowCardinality(String),
    is_bot Bool,
    element_tag LowCardinality(String),
    element_text String,
    element_selector String,
    element_id String,
    element_classes Array(String),
    element_href String,
    element_attrs Map(String, String),
    search_query String,
    search_results Nullable(UInt32),
    items Array(${item}),
    currency LowCardinality(String),
    value Nullable(Decimal(18, 4)),
    transaction_id String,
    name LowCardinality(String),
    props Map(String, String),
    sdk LowCardinality(String),
    INDEX ts_range ts TYPE minmax GRANULARITY 1,
    INDEX visitor visitor_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX search search_query TYPE tokenbf_v1(8192, 3, 0) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(client_ts)
ORDER BY (site_id, toDate(client_ts), type, event_id)
SETTINGS non_replicated_deduplication_window = 10000`,

      // What was refused inside an otherwise valid batch, and why: nothing is dropped silently.
      `CREATE TABLE IF NOT EXISTS {db}.rejected_events
(
    received_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    site_id LowCardinality(String),
    request_id String,
    event_index UInt16,
    reason LowCardinality(String),
    errors Array(String),
    event String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (site_id, received_at)
TTL toDateTime(received_at) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000`,

      // Random daily salts for cookie-free visitor ids, shared by every collector replica.
      // Two days after their day they are deleted, so old ids can no longer be recomputed.
      `CREATE TABLE IF NOT EXISTS {db}.visitor_salts
(
    day Date,
    salt String,
    created_at DateTime64(3) DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (day, created_at)
TTL day + INTERVAL 2 DAY`,

      // Daily per-site overview. Unique-id states instead of counters: a duplicate insert of
      // an event (retry, replay) adds nothing, so the view is as duplicate-free as FINAL.
      // Bots are kept out here; spur.events keeps them, flagged.
      `CREATE TABLE IF NOT EXISTS {db}.daily_overview
(
    site_id LowCardinality(String),
    day Date,
    type LowCardinality(String),
    events AggregateFunction(uniqExact, UUID),
    visitors AggregateFunction(uniq, UInt64),
    sessions AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site_id, day, type)`,

      `CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.daily_overview_mv TO {db}.daily_overview AS
SELECT
    site_id,
    toDate(ts) AS day,
    type,
    uniqExactState(event_id) AS events,
    uniqState(visitor_id) AS visitors,
    uniqState(session_id) AS sessions
FROM {db}.events
WHERE NOT is_bot
GROUP BY site_id, day, type`,
    ],
  },
];

/** The bookkeeping table; several rows for one version are harmless (concurrent runs). */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS {db}.schema_migrations
(
    version UInt32,
    name String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY version`;
