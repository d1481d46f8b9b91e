import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../enrich/index.js';
import { SiteRegistry } from '../sites.js';
import { completeBatch } from './complete-batch.js';
import { DeliveryTracker, pageKey } from './delivery.js';
import { ClientEnricher, EventEnricher } from './enricher.js';
import { writeRequestColumns, writeSessionColumns } from './event-row.js';
import { prepareBatch, type PreparedBatch } from './prepare-batch.js';
import { RowBinaryWriter } from './row-binary.js';
import { countRows, recordPayload, recordTag } from '../pipeline/records.js';

const KEY = 'server-key-0123456789abcdef';
const ctx = {
  sites: new SiteRegistry([{ id: 'shop', origins: [], serverKey: KEY, allowBrowserUserId: false }]),
  events: new EventEnricher({ stripParams: [], maxEventAgeMs: 7 * 86_400_000 }),
};
const now = Date.now();
const event = (n: number, extra: object = {}) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'page_view',
  ts: now - 1000 + n,
  url: `https://shop.example/p/${n}`,
  ...extra,
});

async function prepared(events: unknown[]) {
  const body = Buffer.from(JSON.stringify({ site: 'shop', sent_at: now, sdk: 'spur-js/0.1.0', events }));
  return prepareBatch({ body, contentEncoding: undefined, origin: undefined, authorization: `Bearer ${KEY}`, ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36', receivedAt: now, requestId: 'r' }, ctx);
}

/** Event j's own columns, as the worker wrote them. */
const ownColumns = (batch: PreparedBatch, j: number) => Buffer.from(batch.rows.subarray(j === 0 ? 0 : batch.rowEnds[j - 1], batch.rowEnds[j]));

describe('completeBatch: the spool record of a batch\'s accepted events', () => {
  it('holds one RowBinary row per accepted event, in order: its session\'s columns, its own sender\'s, its own', async () => {
    const batch = await prepared([
      event(0, { title: 'Grüße, "Schuhe" – 😀' }),
      event(1, { context: { ip: '203.0.113.9', user_agent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' } }),
      { type: 'nope' },
      event(2, { referrer: 'https://www.google.com/' }),
    ]);
    const clients = new ClientEnricher({ saltFor: () => Buffer.alloc(32, 7) });
    const sessions = new SessionTracker();
    const record = completeBatch(batch, { clients, sessions })!;
    expect(recordTag(record)).toBe('b');
    expect(countRows(record, 'b')).toBe(3);
    expect(batch.client).toEqual([0, 1, 0]);

    // The same rows, put together from the parts: the sessions the tracker now holds, each
    // sender's columns (the back end's shopper for event 1, not the request's sender), the events'.
    const expected = new RowBinaryWriter();
    const senders = [0, 1].map((client) => clients.request({ siteId: 'shop', sentAt: now, receivedAt: now, ip: batch.clients[2 * client]!, userAgent: batch.clients[2 * client + 1]!, sdk: 'spur-js/0.1.0' }));
    expect(senders.map((s) => s.isBot)).toEqual([false, true]);
    const rowStarts: number[] = [];
    for (let j = 0; j < 3; j++) {
      rowStarts.push(expected.pos);
      const sender = senders[batch.client[j]!]!;
      writeSessionColumns(expected, sessions.assign(sender.visitorId, batch.ts[j]!, batch.channel[j]!));
      writeRequestColumns(expected, sender);
      expected.bytes(ownColumns(batch, j));
    }
    expect(recordPayload(record, 'b')).toEqual(expected.copy());
    // One visitor, one session: rows 0 and 2 start with the same session_id, row 1 (another visitor) not.
    const sessionId = (j: number) => recordPayload(record, 'b').subarray(rowStarts[j], rowStarts[j]! + 8).toString('hex');
    expect(sessionId(2)).toBe(sessionId(0));
    expect(sessionId(1)).not.toBe(sessionId(0));
  });

  it('count every event with a page view for the delivery rate, as if observed one by one', async () => {
    const p1 = '7d0c2b1e-3f4a-4b5c-8d6e-9f0a1b2c3d4e';
    const p2 = '8d0c2b1e-3f4a-4b5c-8d6e-9f0a1b2c3d4e';
    const pages = [[p1, 0], [p1, 2], [p1, 1], [p2, 0], [p1, 4], [undefined, undefined], [p2, 1]] as const;
    const batch = await prepared(pages.map(([page_id, seq], i) => event(i, page_id ? { page_id, seq } : {})));
    const delivery = new DeliveryTracker();
    completeBatch(batch, { clients: new ClientEnricher({ saltFor: () => Buffer.alloc(32, 7) }), sessions: new SessionTracker(), delivery });
    const oneByOne = new DeliveryTracker();
    for (const [page, seq] of pages) if (page) oneByOne.observe(pageKey(page), seq);
    expect([delivery.received, delivery.expected]).toEqual([oneByOne.received, oneByOne.expected]);
    expect([delivery.received, delivery.expected]).toEqual([6, 7]); // p1 0..4 with 3 lost, p2 0..1
  });

  it('is none when no event was accepted', async () => {
    const batch = await prepared([{ type: 'nope' }]);
    expect(completeBatch(batch, { clients: new ClientEnricher({ saltFor: () => Buffer.alloc(32, 7) }), sessions: new SessionTracker() })).toBeUndefined();
  });
});
