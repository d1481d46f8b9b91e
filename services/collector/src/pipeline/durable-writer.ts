import { Spool, SpoolFullError } from '../spool/index.js';
import { overloaded } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { encodeJsonRecord } from './records.js';

/**
 * The acknowledgement path: a request's rows are appended to the spool and the call returns
 * once they are fsync'd. Memory waiting for that fsync is bounded; past the bound, or when
 * the spool is full, the request is refused with 503 + Retry-After and nothing is kept.
 */
export class DurableWriter {
  private pendingBytes = 0;
  private accepting = true;

  constructor(
    private readonly spool: Spool,
    private readonly maxPendingBytes: number,
    private readonly metrics: Metrics,
  ) {}

  /** `events`: the request's spur.events record (complete-batch.ts); `rejectedRows`: JSONEachRow lines. */
  async write(events: Buffer | undefined, rejectedRows: string): Promise<void> {
    if (!this.accepting) throw overloaded(5, 'the collector is shutting down');
    const records: Buffer[] = [];
    if (events) records.push(events);
    if (rejectedRows) records.push(encodeJsonRecord('r', rejectedRows));
    if (records.length === 0) return;
    const bytes = records.reduce((sum, r) => sum + r.length, 0);
    if (this.pendingBytes + bytes > this.maxPendingBytes) throw overloaded(1, 'the collector is at its in-memory bound');

    this.track(bytes);
    try {
      await Promise.all(records.map((record) => this.spool.append(record)));
    } catch (error) {
      if (error instanceof SpoolFullError) {
        this.metrics.spoolFull.inc();
        throw overloaded(30, 'the local spool is full while ClickHouse catches up');
      }
      throw error;
    } finally {
      this.track(-bytes);
    }
  }

  /** After this, writes are refused; in-flight ones still complete. */
  stopAccepting(): void {
    this.accepting = false;
  }

  private track(delta: number): void {
    this.pendingBytes += delta;
    this.metrics.bufferBytes.set(this.pendingBytes);
    this.metrics.bufferFill.set(this.pendingBytes / this.maxPendingBytes);
  }
}
