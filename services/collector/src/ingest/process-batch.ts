import { ERROR_CODES, validateEnvelope, validateEvent, type BatchResponse, type RejectedEvent } from '@spur/protocol';
import { HttpError } from '../errors.js';
import type { Sender, SiteRegistry } from '../sites.js';
import type { DeliveryTracker } from './delivery.js';
import type { Enricher } from './enricher.js';
import { dateTime64, eventRow } from './event-row.js';

/** Bound on the copy of a refused event kept in spur.rejected_events. */
export const REJECTED_EVENT_MAX_CHARS = 2048;

export interface BatchRequest {
  body: unknown;
  origin: string | undefined;
  authorization: string | undefined;
  ip: string;
  userAgent: string;
  receivedAt: number;
  requestId: string;
}

export interface ProcessedBatch {
  siteId: string;
  sender: Sender;
  response: BatchResponse;
  /** JSONEachRow lines for spur.events, each ending in "\n". */
  eventRows: string;
  /** JSONEachRow lines for spur.rejected_events. */
  rejectedRows: string;
  /** Events the SDK says it dropped, for the delivery metric. */
  dropped: number;
  /** Fields a browser may not set that were removed, by name. */
  stripped: Record<string, number>;
}

export interface BatchContext {
  sites: SiteRegistry;
  enricher: Enricher;
  /** Sees each accepted event's page id and sequence number (the delivery-rate metric). */
  delivery?: Pick<DeliveryTracker, 'observe'>;
}

/**
 * Validates, authorises and enriches one batch. The envelope decides the whole request
 * (400/403); after that each event stands alone: valid ones are kept, invalid ones are
 * answered with their errors and recorded in spur.rejected_events.
 */
export function processBatch(request: BatchRequest, ctx: BatchContext): ProcessedBatch {
  const envelope = validateEnvelope(request.body);
  if (!envelope.ok) {
    throw new HttpError(400, ERROR_CODES.invalidEnvelope, 'the batch envelope is invalid; see errors', envelope.errors);
  }
  const { site: siteId, sent_at: sentAt, events } = envelope.value;
  const sender = ctx.sites.authorize(siteId, request.origin, request.authorization);
  const site = ctx.sites.get(siteId)!;
  const stripped: Record<string, number> = {};
  const strip = (field: string) => (stripped[field] = (stripped[field] ?? 0) + 1);

  let requestFacts: ReturnType<Enricher['request']> | undefined;
  const rejected: RejectedEvent[] = [];
  let eventRows = '';
  let rejectedRows = '';

  for (let index = 0; index < events.length; index++) {
    const result = validateEvent(events[index]);
    if (!result.ok) {
      rejected.push({ index, errors: result.errors });
      rejectedRows += rejectedRow(siteId, request, index, result.errors, events[index]);
      continue;
    }
    const event = result.value;
    // Only a back end holding the server key may speak for a shopper's IP, user agent or identity.
    let ip = request.ip;
    let userAgent = request.userAgent;
    if (event.context) {
      if (sender === 'server') {
        ip = event.context.ip ?? ip;
        userAgent = event.context.user_agent ?? userAgent;
      } else strip('context');
    }
    let userId = event.user_id ?? '';
    if (userId && sender === 'browser' && !site.allowBrowserUserId) {
      strip('user_id');
      userId = '';
    }
    const facts =
      ip === request.ip && userAgent === request.userAgent
        ? (requestFacts ??= ctx.enricher.request(requestInput(siteId, sentAt, request, ip, userAgent, envelope.value.sdk)))
        : ctx.enricher.request(requestInput(siteId, sentAt, request, ip, userAgent, envelope.value.sdk));
    eventRows += eventRow(event, facts, ctx.enricher.event(event, facts, userId)) + '\n';
    if (ctx.delivery && event.page_id !== undefined && event.seq !== undefined) ctx.delivery.observe(event.page_id, event.seq);
  }

  return {
    siteId,
    sender,
    response: { accepted: events.length - rejected.length, rejected },
    eventRows,
    rejectedRows,
    dropped: envelope.value.dropped ?? 0,
    stripped,
  };
}

function requestInput(siteId: string, sentAt: number, request: BatchRequest, ip: string, userAgent: string, sdk = '') {
  return { siteId, sentAt, receivedAt: request.receivedAt, ip, userAgent, sdk };
}

function rejectedRow(siteId: string, request: BatchRequest, index: number, errors: { path: string; message: string }[], event: unknown): string {
  // A back end's context carries a shopper's IP: never store it, not even in a refused event.
  const copy = event !== null && typeof event === 'object' && 'context' in event ? { ...event, context: '[removed]' } : event;
  let raw: string;
  try {
    raw = JSON.stringify(copy) ?? 'undefined';
  } catch {
    raw = String(copy);
  }
  return (
    JSON.stringify({
      received_at: dateTime64(request.receivedAt),
      site_id: siteId,
      request_id: request.requestId,
      event_index: index,
      reason: 'invalid_event',
      errors: errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)),
      event: raw.length > REJECTED_EVENT_MAX_CHARS ? raw.slice(0, REJECTED_EVENT_MAX_CHARS) + '…' : raw,
    }) + '\n'
  );
}
