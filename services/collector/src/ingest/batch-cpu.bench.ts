// CPU cost of the collector's request work, step by step, on the bench's realistic bodies
// (bench/lib/payloads.mjs): JSON parse, validation, per-event enrichment + serialisation
// (prepareBatch, what the ingest workers do), and the main thread's part (completeBatch:
// visitor id, sessions, the final rows). No network, no spool, no ClickHouse.
//   cd /work/main && npx vitest bench --run services/collector/src/ingest
import { bench, describe } from 'vitest';
import { validateEnvelope, validateEvent } from '@spur/protocol';
import { SessionTracker } from '../enrich/index.js';
import { SiteRegistry } from '../sites.js';
import { completeBatch } from './complete-batch.js';
import { ClientEnricher, EventEnricher } from './enricher.js';
import { prepareBatch, type BatchRequest, type PreparedBatch } from './prepare-batch.js';
// @ts-expect-error: plain ESM module of the load bench, no types
import { buildBodies, stamp, visitorHeaders } from '../../../../bench/lib/payloads.mjs';

const SERVER_KEY = 'bench-server-key-0123456789abcdef';
const ctx = {
  sites: new SiteRegistry([{ id: 'bench', origins: [], serverKey: SERVER_KEY, allowBrowserUserId: false }]),
  events: new EventEnricher({ stripParams: [], maxEventAgeMs: 7 * 86_400_000 }),
};
const complete = { clients: new ClientEnricher({ saltFor: () => Buffer.alloc(32, 7) }), sessions: new SessionTracker() };

for (const batch of [20, 50]) {
  const { templates } = buildBodies({ site: 'bench', batch, count: 200, seed: 1 }) as { templates: unknown[] };
  const texts: string[] = [];
  for (let counter = 0; counter < 2000; counter++) texts.push(stamp(templates[counter % templates.length], counter) as string);
  const parsed = texts.map((t) => JSON.parse(t) as { events: unknown[] });
  const request = (i: number): BatchRequest => {
    const { ip, ua } = visitorHeaders(i) as { ip: string; ua: string };
    return { body: Buffer.from(texts[i]!), contentEncoding: undefined, origin: undefined, authorization: `Bearer ${SERVER_KEY}`, ip, userAgent: ua, receivedAt: Date.now(), requestId: 'r' };
  };
  const requests = texts.map((_, i) => request(i));
  // completeBatch's input, prepared once up front so its case measures only itself.
  const prepared: PreparedBatch[] = [];
  for (const r of requests) prepared.push(await prepareBatch(r, ctx));
  let i = 0;
  const next = () => (i = (i + 1) % texts.length);

  describe(`${batch} events/batch (divide by ${batch} for per event)`, () => {
    bench('JSON.parse', () => {
      JSON.parse(texts[next()]!);
    });
    bench('validate envelope (zod) + events (compiled validator; zod only for refusals)', () => {
      const body = parsed[next()]!;
      validateEnvelope(body);
      for (const e of body.events) validateEvent(e);
    });
    bench('prepareBatch (decode, validate, enrich, serialise: the worker part)', async () => {
      await prepareBatch(requests[next()]!, ctx);
    });
    bench('completeBatch (visitor id, session, rows: the main-thread part)', () => {
      completeBatch(prepared[next()]!, complete);
    });
  });
}
