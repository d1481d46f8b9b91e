import type { SessionTracker } from '../enrich/index.js';
import { BINARY_ROWS_OFFSET, binaryEventsRecord } from '../pipeline/records.js';
import type { DeliveryTracker } from './delivery.js';
import type { ClientEnricher } from './enricher.js';
import { writeRequestColumns, writeSessionColumns } from './event-row.js';
import type { PreparedBatch } from './prepare-batch.js';
import { RowBinaryWriter } from './row-binary.js';

export interface CompleteContext {
  clients: ClientEnricher;
  sessions: SessionTracker;
  /** Sees each accepted event's page id and sequence number (the delivery-rate metric). */
  delivery?: Pick<DeliveryTracker, 'observeRuns'>;
}

// Reused by every batch: completeBatch runs start to end without yielding.
const rowsWriter = new RowBinaryWriter();
const sendersWriter = new RowBinaryWriter(4 * 1024);

/**
 * The part of ingestion that needs state shared by all requests, so it runs on the main thread:
 * each sender's visitor id (daily salt) and user-agent columns, each event's session, and the
 * delivery count. Returns the batch's spool record for spur.events (RowBinary rows, each its
 * session's columns, its sender's and its own: event-row.ts), or undefined when no event was
 * accepted.
 */
export function completeBatch(batch: PreparedBatch, ctx: CompleteContext): Buffer | undefined {
  const senders = batch.clients.length >> 1;
  const visitors: string[] = new Array(senders);
  // Sender i's columns are sendersWriter's bytes [senderEnds[i - 1] ?? 0, senderEnds[i]).
  const senderEnds: number[] = new Array(senders);
  sendersWriter.reset();
  for (let i = 0; i < senders; i++) {
    const facts = ctx.clients.request({
      siteId: batch.siteId,
      sentAt: batch.sentAt,
      receivedAt: batch.receivedAt,
      ip: batch.clients[2 * i]!,
      userAgent: batch.clients[2 * i + 1]!,
      sdk: batch.sdk,
    });
    visitors[i] = facts.visitorId;
    writeRequestColumns(sendersWriter, facts);
    senderEnds[i] = sendersWriter.pos;
  }
  ctx.delivery?.observeRuns(batch.pages);
  const count = batch.rowEnds.length;
  if (count === 0) return undefined;

  const w = rowsWriter;
  w.reset();
  w.ensure(BINARY_ROWS_OFFSET);
  w.pos = BINARY_ROWS_OFFSET;
  let eventStart = 0;
  for (let j = 0; j < count; j++) {
    const client = batch.client[j]!;
    writeSessionColumns(w, ctx.sessions.assign(visitors[client]!, batch.ts[j]!, batch.channel[j]!));
    w.bytes(sendersWriter.buf, client === 0 ? 0 : senderEnds[client - 1]!, senderEnds[client]!);
    const eventEnd = batch.rowEnds[j]!;
    w.bytes(batch.rows, eventStart, eventEnd);
    eventStart = eventEnd;
  }
  return binaryEventsRecord(w.buf, w.pos, count);
}
