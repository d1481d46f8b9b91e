// Durable, segmented, append-only record log between the collector's HTTP handlers (append) and
// the ClickHouse shipper (read, ack). See README.md for the on-disk format and the guarantees.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { readCursorSync, writeCursor } from './cursor.js';
import { SpoolClosedError, SpoolFullError } from './errors.js';
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, MIN_PAYLOAD_BYTES } from './framing.js';
import { SegmentReader, type FrameRun } from './reader.js';
import { recoverLog, type RecoveredLog, type RecoveryReport } from './recovery.js';
import { segmentPath, type Segment } from './segment-files.js';
import { SegmentWriter } from './writer.js';

export interface SpoolOptions {
  /** Created if missing. One process per directory. */
  dir: string;
  /** Bound on unshipped bytes on disk (records + 8 bytes of framing each); appends beyond it reject with SpoolFullError. */
  maxBytes: number;
  /** Roll to a new segment file once this many bytes are in it (default 16 MiB). */
  segmentBytes?: number;
  /** Wait this long to gather appends before each write+fsync (default 0: fsync as soon as the previous one finished). */
  maxCommitDelayMs?: number;
  /** Called after each group commit with its record count and how long its durable (O_DSYNC) write took. */
  observeCommit?(records: number, seconds: number): void;
}

/**
 * A run of consecutive records. `id` = `<spoolId>:<segment>:<start>-<end>` (byte offsets in the
 * segment). Chunks never span segments and start where the previous chunk ended, and a segment's
 * length is frozen before a chunk is cut at its end, so re-reading from the same position with the
 * same `maxBytes` (e.g. after a crash between insert and ack) yields the same records and the same id.
 */
export interface SpoolChunk {
  /** Payloads, in append order. */
  readonly records: Buffer[];
  /** Sum of the payload sizes. */
  readonly bytes: number;
  readonly id: string;
}

export interface SpoolStats {
  /** Durable writes (each as good as write + fdatasync) made for commits; committedRecords / syncs is the group-commit factor. */
  syncs: number;
  /** Records made durable since open. */
  committedRecords: number;
  /** Commit rounds that failed (their appends were rejected with SpoolWriteError). */
  failedCommits: number;
}

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

interface ChunkRange {
  /** 1-based position in read order, to enforce in-order acks. */
  index: number;
  seq: number;
  start: number;
  end: number;
  records: number;
}

interface DataWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class Spool {
  /** What open() found and repaired; log it. */
  readonly recovery: RecoveryReport;

  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly spoolId: string;
  private readonly writer: SegmentWriter;
  private readonly reader: SegmentReader;
  /** Segment files not yet deleted, ascending; the last one may be the writer's active segment. */
  private segmentList: Segment[];
  private unshippedBytes: number;
  private unshippedRecords: number;
  /** Committed bytes not yet returned by read(). */
  private unreadBytes: number;
  private readSeq: number;
  private readOffset: number;
  private chunksRead = 0;
  private chunksAcked = 0;
  private readonly chunkRanges = new WeakMap<SpoolChunk, ChunkRange>();
  private readonly dataWaiters = new Set<DataWaiter>();
  private reading: Promise<unknown> | undefined;
  private acking: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Scans the segments (verifying every unshipped record's CRC), truncates a torn tail of the last
   * one, loads the shipped cursor. Never fails because of damaged data: see `recovery`.
   */
  static async open(options: SpoolOptions): Promise<Spool> {
    const settings: Required<SpoolOptions> = {
      dir: options.dir,
      maxBytes: options.maxBytes,
      segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      maxCommitDelayMs: options.maxCommitDelayMs ?? 0,
      observeCommit: options.observeCommit ?? (() => {}),
    };
    requirePositive('maxBytes', settings.maxBytes);
    requirePositive('segmentBytes', settings.segmentBytes);
    if (!(settings.maxCommitDelayMs >= 0)) {
      throw new RangeError(`maxCommitDelayMs must be >= 0, got ${settings.maxCommitDelayMs}`);
    }

    mkdirSync(settings.dir, { recursive: true });
    const stored = readCursorSync(settings.dir);
    let cursor = stored.status === 'ok' ? stored.cursor : undefined;
    const log = recoverLog(settings.dir, cursor);
    if (stored.status === 'invalid') log.report.invalidCursor = stored.reason;
    if (!cursor) {
      cursor = { spoolId: randomBytes(8).toString('hex'), segment: 0, offset: 0 };
      await writeCursor(settings.dir, cursor, true);
    }
    return new Spool(settings, cursor.spoolId, log);
  }

  private constructor(settings: Required<SpoolOptions>, spoolId: string, log: RecoveredLog) {
    this.dir = settings.dir;
    this.maxBytes = settings.maxBytes;
    this.spoolId = spoolId;
    this.recovery = log.report;
    this.segmentList = log.segments;
    this.unshippedBytes = log.pendingBytes;
    this.unshippedRecords = log.pendingRecords;
    this.unreadBytes = log.pendingBytes;
    this.readSeq = log.segments[0]?.seq ?? log.nextSeq;
    this.readOffset = log.firstOffset;
    this.reader = new SegmentReader(settings.dir);
    this.writer = new SegmentWriter({
      dir: settings.dir,
      segmentBytes: settings.segmentBytes,
      maxCommitDelayMs: settings.maxCommitDelayMs,
      nextSeq: log.nextSeq,
      onSegmentCreated: (segment) => this.segmentList.push(segment),
      onCommit: (records, bytes, seconds) => {
        this.committed(records, bytes);
        try {
          settings.observeCommit(records, seconds);
        } catch {
          // An observer (metrics) must never keep durable records from being acknowledged.
        }
      },
    });
  }

  /** Unshipped bytes on disk, framing included (what `maxBytes` bounds). */
  get pendingBytes(): number {
    return this.unshippedBytes;
  }

  get pendingRecords(): number {
    return this.unshippedRecords;
  }

  /** Segment files on disk. */
  get segments(): number {
    return this.segmentList.length;
  }

  get stats(): SpoolStats {
    const { syncs, committedRecords, failedCommits } = this.writer;
    return { syncs, committedRecords, failedCommits };
  }

  /**
   * Resolves once the record is durable (written with O_DSYNC); only then can read() return it.
   * Rejects with SpoolFullError (without touching the disk) if it would exceed `maxBytes`, with
   * SpoolWriteError if the disk write failed, with SpoolClosedError after close().
   * Do not modify `record` until the promise settles.
   */
  append(record: Uint8Array): Promise<void> {
    if (this.closing) return Promise.reject(new SpoolClosedError());
    const length = record.byteLength;
    if (length < MIN_PAYLOAD_BYTES || length > MAX_PAYLOAD_BYTES) {
      return Promise.reject(new RangeError(`record must be 1 byte to 4 GiB - 1, got ${length} bytes`));
    }
    const bytes = FRAME_HEADER_BYTES + length;
    if (this.unshippedBytes + this.writer.queuedBytes + bytes > this.maxBytes) {
      return Promise.reject(
        new SpoolFullError(`spool full: ${this.unshippedBytes + this.writer.queuedBytes} of ${this.maxBytes} bytes unshipped`),
      );
    }
    return this.writer.append(record);
  }

  /**
   * The next committed records not returned by an earlier read(), in append order: whole records
   * whose payloads total at most `maxBytes`, but at least one record even if it is bigger. Never
   * spans segments. Null when there is nothing new. One read at a time; reads may run ahead of
   * acks (pipelining) and the chunks are then acked in order.
   */
  read(maxBytes: number): Promise<SpoolChunk | null> {
    if (this.closing) return Promise.reject(new SpoolClosedError());
    if (this.reading) return Promise.reject(new Error('Spool.read: another read is in progress'));
    if (!(maxBytes > 0)) return Promise.reject(new RangeError(`maxBytes must be > 0, got ${maxBytes}`));
    const reading = this.readChunk(maxBytes).finally(() => {
      this.reading = undefined;
    });
    this.reading = reading;
    return reading;
  }

  /**
   * Marks the chunk shipped: persists the cursor after it (atomic replace) and deletes segment
   * files that are then entirely shipped. Chunks must be acked one at a time, in read order.
   */
  ack(chunk: SpoolChunk): Promise<void> {
    if (this.closing) return Promise.reject(new SpoolClosedError());
    const range = this.chunkRanges.get(chunk);
    if (!range) return Promise.reject(new Error('Spool.ack: unknown or already acknowledged chunk'));
    if (this.acking) return Promise.reject(new Error('Spool.ack: another ack is in progress'));
    if (range.index !== this.chunksAcked + 1) {
      return Promise.reject(
        new Error(`Spool.ack: chunks must be acked in read order (expected #${this.chunksAcked + 1}, got #${range.index})`),
      );
    }
    const acking = this.persistAck(chunk, range).finally(() => {
      this.acking = undefined;
    });
    this.acking = acking;
    return acking;
  }

  /** Resolves as soon as read() has something to return (immediately if it has already). */
  waitForData(signal?: AbortSignal): Promise<void> {
    if (this.closing) return Promise.reject(new SpoolClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.unreadBytes > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => waiter.reject(signal?.reason);
      const settle = (): void => {
        this.dataWaiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: DataWaiter = {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.dataWaiters.add(waiter);
    });
  }

  /**
   * Stops accepting appends, waits until the accepted ones are committed (or failed) and any read
   * or ack in progress is done, then closes the files. Pending waitForData calls reject.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.writer.close();
    await Promise.allSettled([this.reading, this.acking]);
    await this.reader.release();
    for (const waiter of this.dataWaiters) waiter.reject(new SpoolClosedError());
  }

  private committed(records: number, bytes: number): void {
    this.unshippedBytes += bytes;
    this.unshippedRecords += records;
    this.unreadBytes += bytes;
    for (const waiter of this.dataWaiters) waiter.resolve();
  }

  private async readChunk(maxBytes: number): Promise<SpoolChunk | null> {
    const segment = this.nextSegmentToRead();
    if (!segment) return null;
    const start = segment.seq === this.readSeq ? this.readOffset : 0;
    const run: FrameRun = { records: [], payloadBytes: 0 };
    let end = start;
    for (;;) {
      const { end: committedEnd, sealed } = segment; // both may change while we await
      end = await this.reader.readFrames(segment.seq, end, committedEnd, run, maxBytes);
      if (end < committedEnd || sealed) break; // cut by the budget, or at the segment's final end
      // Caught up with the writer. Freeze the segment before cutting the chunk at its end:
      // otherwise later appends would extend it, and a re-read after a crash would cut a longer
      // chunk with a different id. The commit in flight (if any) still lands in it: read on.
      await this.writer.seal(segment.seq);
    }
    this.readSeq = segment.seq;
    this.readOffset = end;
    this.unreadBytes -= end - start;
    if (segment.sealed && end === segment.end) await this.reader.release();

    const chunk: SpoolChunk = {
      records: run.records,
      bytes: run.payloadBytes,
      id: `${this.spoolId}:${segment.seq}:${start}-${end}`,
    };
    const index = ++this.chunksRead;
    this.chunkRanges.set(chunk, { index, seq: segment.seq, start, end, records: run.records.length });
    return chunk;
  }

  /** The first segment with committed bytes after the read position. */
  private nextSegmentToRead(): Segment | undefined {
    if (this.unreadBytes === 0) return undefined;
    return this.segmentList.find(
      (segment) => segment.seq >= this.readSeq && (segment.seq === this.readSeq ? this.readOffset : 0) < segment.end,
    );
  }

  private async persistAck(chunk: SpoolChunk, range: ChunkRange): Promise<void> {
    const shipped = this.segmentList.filter(
      (segment) => segment.seq < range.seq || (segment.seq === range.seq && segment.sealed && segment.end === range.end),
    );
    // Make the new cursor durable before deleting files it covers; otherwise losing the rename in
    // a power cut is harmless (the chunk is shipped again, with the same id).
    await writeCursor(this.dir, { spoolId: this.spoolId, segment: range.seq, offset: range.end }, shipped.length > 0);
    this.chunkRanges.delete(chunk);
    this.chunksAcked = range.index;
    this.unshippedBytes -= range.end - range.start;
    this.unshippedRecords -= range.records;
    this.segmentList = this.segmentList.filter((segment) => !shipped.includes(segment));
    // A file that fails to go is behind the durable cursor; the next open() deletes it.
    await Promise.all(shipped.map((segment) => unlink(segmentPath(this.dir, segment.seq)).catch(() => undefined)));
  }
}

function requirePositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
}
