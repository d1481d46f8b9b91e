import type { SessionTracker } from '../enrich/index.js';
import type { DeliveryTracker } from './delivery.js';
import type { ClientEnricher } from './enricher.js';
import { eventRow, requestColumns } from './event-row.js';
import type { PreparedBatch } from './prepare-batch.js';

export interface CompleteContext {
  clients: ClientEnricher;
  sessions: SessionTracker;
  /** Sees each accepted event's page id and sequence number (the delivery-rate metric). */
  delivery?: Pick<DeliveryTracker, 'observeBatch'>;
}

/**
 * The part of ingestion that needs state shared by all requests, so it runs on the main thread:
 * each sender's visitor id (daily salt) and user-agent columns, each event's session, and the
 * delivery count. Returns the batch's JSONEachRow lines for spur.events, each ending in "\n".
 */
export function completeBatch(batch: PreparedBatch, ctx: CompleteContext): string {
  const senders = batch.clients.length >> 1;
  const visitors: string[] = new Array(senders);
  const columns: string[] = new Array(senders);
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
    columns[i] = requestColumns(facts);
  }
  let rows = '';
  for (let j = 0; j < batch.columns.length; j++) {
    const client = batch.client[j]!;
    const session = ctx.sessions.assign(visitors[client]!, batch.ts[j]!, batch.channel[j]!);
    rows += eventRow(session.id, session.channel, columns[client]!, batch.columns[j]!) + '\n';
  }
  ctx.delivery?.observeBatch(batch.pageId, batch.seq);
  return rows;
}
