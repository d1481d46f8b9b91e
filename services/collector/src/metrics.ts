import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus metric the collector exposes on /metrics, on a registry of its own. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'spur_process_' });
  const m = {
    registry,
    eventsAccepted: new Counter({ name: 'spur_events_accepted_total', help: 'Events accepted (acknowledged durable).', labelNames: ['site'], registers: [registry] }),
    eventsRejected: new Counter({ name: 'spur_events_rejected_total', help: 'Events refused inside a valid batch, by reason.', labelNames: ['site', 'reason'], registers: [registry] }),
    requestsRejected: new Counter({ name: 'spur_requests_rejected_total', help: 'Whole requests refused, by HTTP status and machine code.', labelNames: ['status', 'code'], registers: [registry] }),
    rateLimited: new Counter({ name: 'spur_rate_limited_total', help: 'Requests refused by a rate limit, by scope.', labelNames: ['scope'], registers: [registry] }),
    fieldsStripped: new Counter({ name: 'spur_fields_stripped_total', help: 'Fields removed because the sender may not set them (browser user_id/context).', labelNames: ['field'], registers: [registry] }),
    batchEvents: new Histogram({ name: 'spur_batch_events', help: 'Events per accepted request.', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500], registers: [registry] }),
    batchRequestSeconds: new Histogram({ name: 'spur_batch_request_duration_seconds', help: 'Time the collector spent on a POST /v1/batch, from its headers being read to the answer being written.', buckets: [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 1, 2.5], registers: [registry] }),
    ackSeconds: new Histogram({ name: 'spur_ack_duration_seconds', help: 'Time from a batch being parsed to it being durable in the spool.', buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1], registers: [registry] }),
    insertSeconds: new Histogram({ name: 'spur_insert_duration_seconds', help: 'ClickHouse insert latency per block.', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    insertRows: new Counter({ name: 'spur_insert_rows_total', help: 'Rows inserted into ClickHouse, by table.', labelNames: ['table'], registers: [registry] }),
    insertBlocks: new Counter({ name: 'spur_insert_blocks_total', help: 'Insert blocks sent to ClickHouse.', registers: [registry] }),
    insertFailures: new Counter({ name: 'spur_insert_failures_total', help: 'Failed ClickHouse inserts (retried from the spool).', registers: [registry] }),
    deadLetterRows: new Counter({ name: 'spur_dead_letter_rows_total', help: 'Rows ClickHouse refused as data, kept in the dead-letter directory instead of being inserted.', labelNames: ['table'], registers: [registry] }),
    spoolBytes: new Gauge({ name: 'spur_spool_pending_bytes', help: 'Acknowledged bytes on disk not yet in ClickHouse.', registers: [registry] }),
    spoolRecords: new Gauge({ name: 'spur_spool_pending_records', help: 'Acknowledged spool records (one per request and table written) on disk, not yet in ClickHouse.', registers: [registry] }),
    spoolSegments: new Gauge({ name: 'spur_spool_segments', help: 'Spool segment files on disk.', registers: [registry] }),
    spoolCommitSeconds: new Histogram({ name: 'spur_spool_commit_duration_seconds', help: 'Durable (O_DSYNC) write time of one spool group commit.', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25], registers: [registry] }),
    spoolCommitRecords: new Histogram({ name: 'spur_spool_commit_records', help: 'Spool records (one per request and table written) made durable by one group commit.', buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers: [registry] }),
    spoolFull: new Counter({ name: 'spur_spool_full_total', help: 'Requests answered 503 because the spool reached its size bound.', registers: [registry] }),
    bufferBytes: new Gauge({ name: 'spur_buffer_pending_bytes', help: 'Request bytes in memory waiting for the spool fsync.', registers: [registry] }),
    bufferFill: new Gauge({ name: 'spur_buffer_fill_ratio', help: 'pending buffer bytes / SPUR_MAX_PENDING_MB.', registers: [registry] }),
    clickhouseUp: new Gauge({ name: 'spur_clickhouse_up', help: '1 when the last ClickHouse call succeeded.', registers: [registry] }),
    sdkReceived: new Counter({ name: 'spur_sdk_events_received_total', help: 'Events that arrived carrying a page id and sequence number.', registers: [registry] }),
    sdkExpected: new Counter({ name: 'spur_sdk_events_expected_total', help: 'Events browsers produced, from the highest sequence number seen per page view.', registers: [registry] }),
    sdkDropped: new Counter({ name: 'spur_sdk_events_dropped_total', help: 'Events the SDK reported it had to drop (queue full, not retryable).', registers: [registry] }),
    sdkDelivery: new Gauge({ name: 'spur_sdk_delivery_ratio', help: 'Share of the events browsers produced that arrived (received / expected).', registers: [registry] }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
