import { ERROR_CODES, prepareEventValidation, validateEnvelope, validateEvent, type BatchResponse, type RejectedEvent } from '@spur/protocol';
import { HttpError } from '../errors.js';
import type { SiteConfig } from '../config.js';
import { SiteRegistry, type Sender } from '../sites.js';
import { decodeBody } from './decode-body.js';
import { addPageRun, pageKey } from './delivery.js';
import { EventEnricher } from './enricher.js';
import { dateTime64, writeEventColumns } from './event-row.js';
import { RowBinaryWriter } from './row-binary.js';

const writer = new RowBinaryWriter();
const EMPTY = new Uint8Array(0);

/** Bound on the copy of a refused event kept in spur.rejected_events. */
export const REJECTED_EVENT_MAX_CHARS = 2048;

/** One POST /v1/batch as the HTTP layer hands it over: the raw body and what the request said. */
export interface BatchRequest {
  body: Uint8Array;
  contentEncoding: string | undefined;
  origin: string | undefined;
  authorization: string | undefined;
  /** The client address Fastify resolved (trusted proxies only). Never stored or logged. */
  ip: string;
  userAgent: string;
  receivedAt: number;
  requestId: string;
}

/**
 * A batch after everything that needs no shared state: decoded, validated, authorised, each
 * accepted event enriched and serialised except for its session and sender columns. Plain data
 * (strings, numbers, arrays, one byte array), so it crosses from an ingest worker to the main
 * thread cheaply: the byte array is moved, not copied (ingest-worker.ts).
 * Accepted events are described by parallel arrays, one entry per event.
 */
export interface PreparedBatch {
  siteId: string;
  sender: Sender;
  sentAt: number;
  receivedAt: number;
  sdk: string;
  response: BatchResponse;
  /** JSONEachRow lines for spur.rejected_events. */
  rejectedRows: string;
  /** Events the SDK says it dropped, for the delivery metric. */
  dropped: number;
  /** Fields a browser may not set that were removed, by name. */
  stripped: Record<string, number>;
  /** Distinct senders as [ip, userAgent, ip, userAgent, …]; the request's own is first. */
  clients: string[];
  /** Per accepted event: index of its sender in `clients` (pairs), … */
  client: number[];
  /** … skew-corrected time (epoch ms), … */
  ts: number[];
  /** … its own channel (the session's first event's channel wins in the row), … */
  channel: string[];
  /** … and where its own columns (event-row.ts writeEventColumns) end in `rows`. */
  rowEnds: number[];
  /** Accepted events with a page view id and seq, as delivery.ts page runs: [key, highest seq, count]… */
  pages: number[];
  /** The accepted events' own columns, RowBinary, back to back (an ArrayBuffer of its own). */
  rows: Uint8Array;
}

export interface PrepareContext {
  sites: SiteRegistry;
  events: EventEnricher;
}

/** What a prepare context is built from: configuration only, as plain data (a worker's workerData). */
export interface PrepareSettings {
  sites: SiteConfig[];
  stripParams: string[];
  maxEventAgeMs: number;
}

/** Everything prepareBatch needs, built from configuration alone (so a worker can build it too). */
export function createPrepareContext(settings: PrepareSettings): PrepareContext {
  prepareEventValidation(); // compile the validators at start, not on the first request
  return { sites: new SiteRegistry(settings.sites), events: new EventEnricher(settings) };
}

/**
 * Decodes, validates, authorises and enriches one batch. The envelope decides the whole request
 * (400/403/413/415, thrown as HttpError); after that each event stands alone: valid ones are
 * kept, invalid ones are answered with their errors and recorded in spur.rejected_events.
 */
export async function prepareBatch(request: BatchRequest, ctx: PrepareContext): Promise<PreparedBatch> {
  const body = await decodeBody(request.body, request.contentEncoding);
  const envelope = validateEnvelope(body);
  if (!envelope.ok) {
    throw new HttpError(400, ERROR_CODES.invalidEnvelope, 'the batch envelope is invalid; see errors', envelope.errors);
  }
  const { site: siteId, sent_at: sentAt, events } = envelope.value;
  const sender = ctx.sites.authorize(siteId, request.origin, request.authorization);
  const site = ctx.sites.get(siteId)!;
  const stripped: Record<string, number> = {};
  const strip = (field: string) => (stripped[field] = (stripped[field] ?? 0) + 1);

  const out: PreparedBatch = {
    siteId,
    sender,
    sentAt,
    receivedAt: request.receivedAt,
    sdk: envelope.value.sdk ?? '',
    response: { accepted: 0, rejected: [] },
    rejectedRows: '',
    dropped: envelope.value.dropped ?? 0,
    stripped,
    clients: [request.ip, request.userAgent],
    client: [],
    ts: [],
    channel: [],
    rowEnds: [],
    pages: [],
    rows: EMPTY,
  };
  // No await from here on: the writer is shared by the batches this thread prepares.
  const w = writer;
  w.reset();
  const rejected: RejectedEvent[] = out.response.rejected;

  for (let index = 0; index < events.length; index++) {
    const result = validateEvent(events[index]);
    if (!result.ok) {
      rejected.push({ index, errors: result.errors });
      out.rejectedRows += rejectedRow(siteId, request, index, result.errors, events[index]);
      continue;
    }
    const event = result.value;
    // Only a back end holding the server key may speak for a shopper's IP, user agent or identity.
    let client = 0;
    if (event.context) {
      if (sender === 'server') client = clientIndex(out.clients, event.context.ip ?? request.ip, event.context.user_agent ?? request.userAgent);
      else strip('context');
    }
    let userId = event.user_id ?? '';
    if (userId && sender === 'browser' && !site.allowBrowserUserId) {
      strip('user_id');
      userId = '';
    }
    const facts = ctx.events.event(event, sentAt, request.receivedAt, userId);
    out.client.push(client);
    out.ts.push(facts.ts);
    out.channel.push(facts.channel);
    if (event.page_id && event.seq !== undefined) addPageRun(out.pages, pageKey(event.page_id), event.seq);
    writeEventColumns(w, event, facts);
    out.rowEnds.push(w.pos);
  }
  out.response.accepted = events.length - rejected.length;
  if (w.pos > 0) out.rows = w.copy();
  return out;
}

/** Index of the (ip, userAgent) pair in the flattened list, added if new. */
function clientIndex(clients: string[], ip: string, userAgent: string): number {
  for (let i = 0; i < clients.length; i += 2) if (clients[i] === ip && clients[i + 1] === userAgent) return i >> 1;
  clients.push(ip, userAgent);
  return (clients.length >> 1) - 1;
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
