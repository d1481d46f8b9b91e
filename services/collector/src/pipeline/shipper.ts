import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Spool, SpoolChunk } from '../spool/index.js';
import type { Metrics } from '../metrics.js';
import { quoteIdentifier } from '../clickhouse/migrate.js';
import { TABLES, countRows, recordTag, type TableTag } from './records.js';

export interface ShipperOptions {
  client: ClickHouseClient;
  database: string;
  spool: Spool;
  metrics: Metrics;
  /** Wait at most this long to gather a bigger block when little is pending. */
  flushIntervalMs: number;
  /** Upper bound on one insert's body. */
  insertMaxBytes: number;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Moves acknowledged rows from the spool into ClickHouse, in order, in large blocks. A block is
 * marked shipped only after ClickHouse accepted it; each insert carries the chunk's stable id
 * as deduplication token, so a block re-sent after a crash or a timeout is stored once.
 */
export class Shipper {
  private readonly stopController = new AbortController();
  /** Aborted when stopping: ship what is pending now instead of waiting for a bigger block. */
  private readonly hurry = new AbortController();
  private running: Promise<void> | undefined;
  private lastInsertAt = 0;
  private failures = 0;
  /** Whether the last ClickHouse insert succeeded; readiness reads it. */
  healthy = true;

  constructor(private readonly options: ShipperOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Ships what is pending for up to `drainMs`, then stops; what is left stays in the spool. */
  async stop(drainMs: number): Promise<void> {
    const deadline = Date.now() + drainMs;
    const { spool } = this.options;
    this.hurry.abort();
    while (this.healthy && spool.pendingRecords > 0 && Date.now() < deadline) await sleep(20);
    this.stopController.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { spool, flushIntervalMs, insertMaxBytes } = this.options;
    const signal = this.stopController.signal;
    // A chunk that failed is retried as it is, never re-read: the spool's reader has moved on,
    // and the same chunk keeps the same deduplication token.
    let chunk: SpoolChunk | null = null;
    while (!signal.aborted) {
      try {
        if (!chunk) {
          await spool.waitForData(signal);
          // Inserts wait for the flush interval unless a full block is ready, so ClickHouse gets
          // few, large parts: its CPU per row falls with the block size, and on a shared machine
          // that CPU is what the collector's own work competes with.
          const wait = this.lastInsertAt + flushIntervalMs - Date.now();
          if (wait > 0 && spool.pendingBytes < insertMaxBytes) await sleep(wait, this.hurry.signal);
          chunk = await spool.read(insertMaxBytes);
          if (!chunk) continue;
        }
        this.lastInsertAt = Date.now();
        await this.ship(chunk);
        await spool.ack(chunk);
        chunk = null;
        this.updateGauges();
        if (this.failures > 0) this.options.log.info({ failures: this.failures }, 'ClickHouse inserts work again');
        this.failures = 0;
        this.healthy = true;
        this.options.metrics.clickhouseUp.set(1);
      } catch (error) {
        if (signal.aborted) break;
        this.failures++;
        this.healthy = false;
        this.options.metrics.clickhouseUp.set(0);
        this.options.metrics.insertFailures.inc();
        const backoff = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 6));
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.options.log.warn({ err: String(error), failures: this.failures, pendingBytes: spool.pendingBytes }, 'ClickHouse insert failed; events stay in the spool and are retried');
        }
        await sleep(backoff, signal);
      }
    }
  }

  private async ship(chunk: SpoolChunk): Promise<void> {
    const bodies: Record<TableTag, Buffer[]> = { e: [], r: [] };
    for (const record of chunk.records) {
      const tag = recordTag(record);
      if (tag) bodies[tag].push(record.subarray(1));
    }
    for (const tag of Object.keys(bodies) as TableTag[]) {
      const parts = bodies[tag];
      if (parts.length === 0) continue;
      const table = TABLES[tag];
      const started = performance.now();
      await this.insert(table, parts, `${chunk.id}:${tag}`);
      this.options.metrics.insertSeconds.observe((performance.now() - started) / 1000);
      this.options.metrics.insertBlocks.inc();
      this.options.metrics.insertRows.inc({ table }, parts.reduce((n, p) => n + countRows(p), 0));
    }
  }

  private async insert(table: string, parts: Buffer[], token: string): Promise<void> {
    const { client, database } = this.options;
    const result = await client.exec({
      query: `INSERT INTO ${quoteIdentifier(database)}.${table} FORMAT JSONEachRow`,
      values: Readable.from(parts),
      clickhouse_settings: {
        insert_deduplicate: 1,
        insert_deduplication_token: token,
        // One request's rows must never be split by ClickHouse's own block size into a part
        // that could be deduplicated differently on a resend.
        max_insert_block_size: '100000000',
        // Skip ReplacingMergeTree's collapse at insert time (about a third of the insert's cost
        // here): duplicates still collapse when parts merge, and FINAL / uniqExact see them once.
        optimize_on_insert: 0,
        date_time_input_format: 'basic',
      },
    });
    // Drain the (empty) response so the socket returns to the pool.
    result.stream.resume();
    await new Promise<void>((resolve, reject) => {
      result.stream.once('end', resolve).once('error', reject);
    });
  }

  updateGauges(): void {
    const { spool, metrics } = this.options;
    metrics.spoolBytes.set(spool.pendingBytes);
    metrics.spoolRecords.set(spool.pendingRecords);
    metrics.spoolSegments.set(spool.segments);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
