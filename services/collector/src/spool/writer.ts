// The single writer: group commit of queued appends into the active segment.
//
// One loop owns the active segment's file. Each round takes everything queued (up to the segment
// size) and writes it with one writev at the committed end; appends arriving meanwhile wait for
// the next round. So under load the number of syncs per second stays roughly constant while the
// records per sync grow. Segments are opened with O_DSYNC, so that writev returns only once its
// data (and the file size) is on disk, like a write followed by fdatasync, but as one thread-pool
// operation: one event-loop turn per commit instead of two, which a busy collector feels as latency.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { SpoolWriteError } from './errors.js';
import { encodeFrameHeader, FRAME_HEADER_BYTES } from './framing.js';
import { fsyncDir, segmentPath, type Segment } from './segment-files.js';

/** Like 'wx', plus O_DSYNC: every write is durable when it returns. */
const SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC;

export interface WriterOptions {
  dir: string;
  segmentBytes: number;
  maxCommitDelayMs: number;
  /** Sequence number of the first segment this writer creates. */
  nextSeq: number;
  /** A new (empty) segment file exists durably and will receive the next commits. */
  onSegmentCreated(segment: Segment): void;
  /**
   * `records` frames totalling `bytes` were just made durable at the end of the active segment;
   * the durable write took `seconds`.
   */
  onCommit(records: number, bytes: number, seconds: number): void;
}

interface QueuedAppend {
  header: Buffer;
  payload: Uint8Array;
  bytes: number;
  resolve(): void;
  reject(error: Error): void;
}

interface ActiveSegment {
  segment: Segment;
  file: FileHandle;
}

export class SegmentWriter {
  /** Durable (O_DSYNC) writes made for commits, successful or not. */
  syncs = 0;
  committedRecords = 0;
  /** Commit rounds whose appends were rejected because a write, fsync or file creation failed. */
  failedCommits = 0;
  /** Frame bytes accepted but not committed yet (counted against the spool's size bound). */
  queuedBytes = 0;

  private readonly queue: QueuedAppend[] = [];
  private active: ActiveSegment | undefined;
  private nextSeq: number;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private sealRequests: Array<{ seq: number; done(): void }> = [];

  constructor(private readonly options: WriterOptions) {
    this.nextSeq = options.nextSeq;
  }

  /** Resolves once the record is durable. The caller must not modify `payload` until then. */
  append(payload: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const header = encodeFrameHeader(payload);
      const bytes = FRAME_HEADER_BYTES + payload.byteLength;
      this.queue.push({ header, payload, bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.start();
    });
  }

  /**
   * Freezes segment `seq` if it is still the active one: waits for the commit in flight (whose
   * frames go to it), then closes it; later appends go to a new segment. Afterwards its `end`
   * never changes, which is what makes chunk boundaries reproducible.
   */
  seal(seq: number): Promise<void> {
    if (this.active?.segment.seq !== seq) return Promise.resolve();
    return new Promise((done) => {
      this.sealRequests.push({ seq, done });
      this.start();
    });
  }

  /** Commits everything queued, then closes the active segment. Appends must have stopped. */
  async close(): Promise<void> {
    while (this.running) await this.loop;
    await this.closeActive();
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    // Let the rest of this event-loop turn (or the configured delay) queue up more appends.
    await (this.options.maxCommitDelayMs > 0 ? sleep(this.options.maxCommitDelayMs) : nextTurn());
    for (;;) {
      if (this.sealRequests.length > 0) {
        await this.handleSealRequests();
      } else if (this.queue.length > 0) {
        await this.commitNextGroup();
        if (this.options.maxCommitDelayMs > 0 && this.queue.length > 0) await sleep(this.options.maxCommitDelayMs);
      } else {
        this.running = false; // checked and cleared in the same turn: no request can slip between
        return;
      }
    }
  }

  private async handleSealRequests(): Promise<void> {
    const requests = this.sealRequests;
    this.sealRequests = [];
    if (requests.some((request) => request.seq === this.active?.segment.seq)) await this.closeActive();
    for (const request of requests) request.done();
  }

  private async commitNextGroup(): Promise<void> {
    const { segmentBytes } = this.options;
    const current = this.active?.segment;
    if (current && current.end > 0 && current.end + this.queue[0]!.bytes > segmentBytes) {
      await this.closeActive();
    }
    let target: ActiveSegment;
    try {
      target = this.active ?? (await this.createSegment());
    } catch (err) {
      this.fail(this.takeGroup(segmentBytes), err);
      return;
    }
    const group = this.takeGroup(segmentBytes - target.segment.end);
    const groupBytes = group.reduce((sum, append) => sum + append.bytes, 0);
    const start = target.segment.end;
    const started = performance.now();
    try {
      const buffers = group.flatMap((append) => [append.header, append.payload]);
      this.syncs++;
      const { bytesWritten } = await target.file.writev(buffers, start); // durable: O_DSYNC
      if (bytesWritten !== groupBytes) {
        throw new Error(`short write: ${bytesWritten} of ${groupBytes} bytes (disk full?)`);
      }
    } catch (err) {
      // Cut the failed frames off so the file ends on the last committed frame. If even that fails,
      // the next commit overwrites the range (it writes at `start`) and recovery stops at the seam.
      await target.file.truncate(start).catch(() => undefined);
      this.fail(group, err);
      return;
    }
    target.segment.end = start + groupBytes;
    this.queuedBytes -= groupBytes;
    this.committedRecords += group.length;
    this.options.onCommit(group.length, groupBytes, (performance.now() - started) / 1000);
    for (const append of group) append.resolve();
  }

  /** Removes from the queue the appends that fit in `room` bytes (always at least one). */
  private takeGroup(room: number): QueuedAppend[] {
    let count = 1;
    let bytes = this.queue[0]!.bytes;
    while (count < this.queue.length && bytes + this.queue[count]!.bytes <= room) {
      bytes += this.queue[count]!.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private fail(group: QueuedAppend[], cause: unknown): void {
    this.failedCommits++;
    const message = cause instanceof Error ? cause.message : String(cause);
    const error = new SpoolWriteError(`spool write failed: ${message}`, { cause });
    for (const append of group) {
      this.queuedBytes -= append.bytes;
      append.reject(error);
    }
  }

  private async createSegment(): Promise<ActiveSegment> {
    const seq = this.nextSeq++;
    // Exclusive: never reuse a file; a clash only burns a sequence number.
    const file = await open(segmentPath(this.options.dir, seq), SEGMENT_FLAGS);
    try {
      await fsyncDir(this.options.dir); // the file's directory entry must outlive a crash too
    } catch (err) {
      await file.close();
      throw err;
    }
    const segment: Segment = { seq, end: 0, sealed: false };
    this.active = { segment, file };
    this.options.onSegmentCreated(segment);
    return this.active;
  }

  private async closeActive(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    active.segment.sealed = true;
    // Everything committed to it is already fsync'd, so a failing close cannot lose records.
    await active.file.close().catch(() => undefined);
  }
}
