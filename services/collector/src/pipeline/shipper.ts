import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Spool, SpoolChunk } from '../spool/index.js';
import type { Metrics } from '../metrics.js';
import { quoteIdentifier } from '../clickhouse/migrate.js';
import { EVENT_ROW_COLUMNS } from '../ingest/event-row.js';
import { RECORD_KINDS, countRows, recordPayload, recordTag, type RecordKind, type RecordTag } from './records.js';

export interface ShipperOptions {
  client: ClickHouseClient;
  database: string;
  spool: Spool;
  metrics: Metrics;
  /** Wait at most this long to gather a bigger block when little is pending. */
  flushIntervalMs: number;
  /** Upper bound on one insert's body. */
  insertMaxBytes: number;
  /** Where requests' rows that ClickHouse refuses as data are set aside (see deadLetter). */
  deadLetterDir: string;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

// A retry against a ClickHouse that is down costs one refused connection; waiting longer than this
// after it is back only delays the replay (a 5 s cap made the first insert wait up to 5 s).
const MAX_BACKOFF_MS = 2_000;

/**
 * ClickHouse error codes that say the data itself cannot be inserted (unparsable or out of range
 * for its column), so no retry can succeed: CANNOT_PARSE_* (6, 25, 26, 27, 38, 41, 72, 376 UUID,
 * 467 Bool),
 * reading past the end of a value (32, 33), TYPE_MISMATCH (53), ARGUMENT_OUT_OF_BOUND (69),
 * CANNOT_CONVERT_TYPE (70), INCORRECT_DATA (117), TOO_LARGE_STRING_SIZE (131),
 * CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN (349). Anything else (network, timeouts, memory, a
 * missing table) is treated as transient and retried.
 */
const DATA_ERROR_CODES = new Set(['6', '25', '26', '27', '32', '33', '38', '41', '53', '69', '70', '72', '117', '131', '349', '376', '467']);

export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DATA_ERROR_CODES.has(code);
}

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
    const byTag: Record<RecordTag, Buffer[]> = { b: [], r: [], e: [] };
    for (const record of chunk.records) {
      const tag = recordTag(record);
      if (tag) byTag[tag].push(record);
    }
    for (const tag of Object.keys(byTag) as RecordTag[]) {
      const records = byTag[tag];
      if (records.length === 0) continue;
      const kind: RecordKind = RECORD_KINDS[tag];
      const started = performance.now();
      try {
        await this.insert(kind, records.map((r) => recordPayload(r, tag)), `${chunk.id}:${tag}`);
      } catch (error) {
        if (!isDataError(error)) throw error;
        await this.insertEachRequest(tag, records, `${chunk.id}:${tag}`, error);
        continue;
      }
      this.options.metrics.insertSeconds.observe((performance.now() - started) / 1000);
      this.options.metrics.insertBlocks.inc();
      this.options.metrics.insertRows.inc({ table: kind.table }, records.reduce((n, r) => n + countRows(r, tag), 0));
    }
  }

  /**
   * One request's rows that ClickHouse refuses would otherwise block every later row forever.
   * So when a block is refused as data, its requests are inserted one by one (each with its own
   * deduplication token, stable across retries), and the ones refused again are set aside in the
   * dead-letter directory, acknowledged rows kept on disk for a person to look at, never dropped.
   */
  private async insertEachRequest(tag: RecordTag, records: Buffer[], token: string, cause: unknown): Promise<void> {
    const kind: RecordKind = RECORD_KINDS[tag];
    const table = kind.table;
    this.options.log.warn({ table, requests: records.length, err: String(cause) }, 'ClickHouse refused a block as data; inserting its requests one by one');
    for (let i = 0; i < records.length; i++) {
      const payload = recordPayload(records[i]!, tag);
      const rows = countRows(records[i]!, tag);
      try {
        await this.insert(kind, [payload], `${token}:${i}`);
        this.options.metrics.insertBlocks.inc();
        this.options.metrics.insertRows.inc({ table }, rows);
      } catch (error) {
        if (!isDataError(error)) throw error;
        const file = await this.deadLetter(kind, payload);
        this.options.metrics.deadLetterRows.inc({ table }, rows);
        this.options.log.error({ table, rows, file, err: String(error) }, 'ClickHouse refused these rows; they are kept in the dead-letter file');
      }
    }
  }

  /**
   * JSONEachRow rows go to <table>.jsonl. RowBinary rows go to <table>.rowbinary, and the columns
   * they hold to <table>.rowbinary.structure, which `clickhouse local` reads them with
   * (docs/operations.md).
   */
  private async deadLetter(kind: RecordKind, rows: Buffer): Promise<string> {
    const { deadLetterDir } = this.options;
    await mkdir(deadLetterDir, { recursive: true });
    const binary = kind.format === 'RowBinary';
    const file = join(deadLetterDir, `${kind.table}.${binary ? 'rowbinary' : 'jsonl'}`);
    if (binary) await writeFile(`${file}.structure`, EVENT_ROW_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ') + '\n');
    const handle = await open(file, 'a');
    try {
      await handle.write(rows);
      await handle.datasync(); // durable before the spool forgets the rows
    } finally {
      await handle.close();
    }
    return file;
  }

  private async insert(kind: RecordKind, parts: Buffer[], token: string): Promise<void> {
    const { client, database } = this.options;
    const columns = kind.columns ? ` (${kind.columns.join(', ')})` : '';
    const result = await client.exec({
      query: `INSERT INTO ${quoteIdentifier(database)}.${kind.table}${columns} FORMAT ${kind.format}`,
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
