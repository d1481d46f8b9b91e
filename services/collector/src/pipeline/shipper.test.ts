import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { startClickHouse, type EmbeddedClickHouse } from '@spur/clickhouse-embedded';
import { waitFor } from '@spur/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../clickhouse/migrate.js';
import { createMetrics } from '../metrics.js';
import { Spool } from '../spool/index.js';
import { validateEvent } from '@spur/protocol';
import { EVENT_ROW_COLUMNS, writeEventColumns, writeRequestColumns, writeSessionColumns } from '../ingest/event-row.js';
import { RowBinaryWriter } from '../ingest/row-binary.js';
import { BINARY_ROWS_OFFSET, binaryEventsRecord, encodeJsonRecord } from './records.js';
import { isDataError, Shipper } from './shipper.js';

let clickhouse: EmbeddedClickHouse;
let client: ClickHouseClient;
const dir = mkdtempSync(join(tmpdir(), 'spur-shipper-test-'));

beforeAll(async () => {
  clickhouse = await startClickHouse();
  client = createClient({ url: clickhouse.url, log: { level: ClickHouseLogLevel.OFF } }); // refusals are the point here
  await migrate(client, { database: 'spur', retentionDays: 395 });
});
afterAll(async () => {
  await client?.close();
  await clickhouse?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const row = (n: number) =>
  JSON.stringify({ event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, site_id: 'shipper-test', type: 'page_view', ts: '1767225600.000', client_ts: '1767225600.000' }) + '\n';
const silent = { warn: () => {}, info: () => {}, error: () => {} };

/** A 'b' record of page views n…, as complete-batch.ts writes them, for site 'shipper-binary'. */
function binaryRecord(...ns: number[]): Buffer {
  const w = new RowBinaryWriter(64);
  w.pos = BINARY_ROWS_OFFSET;
  for (const n of ns) {
    const checked = validateEvent({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'page_view', ts: 1_767_225_600_000, url: 'https://shop.example/' });
    if (!checked.ok) throw new Error('invalid test event');
    writeSessionColumns(w, { idLow: n, idHigh: 0, channel: 'direct' });
    writeRequestColumns(w, { siteId: 'shipper-binary', sentAt: 1_767_225_600_000, receivedAt: 1_767_225_600_000, visitorId: '7', browser: '', browserVersion: '', os: '', device: '', isBot: false, sdk: '' });
    const facts = { ts: 1_767_225_600_000, channel: 'direct', userId: '', url: 'https://shop.example/', hostname: 'shop.example', path: '/', referrer: '', referrerHost: '', utmSource: '', utmMedium: '', utmCampaign: '', utmTerm: '', utmContent: '', clickId: '' };
    writeEventColumns(w, checked.value, facts);
  }
  return binaryEventsRecord(w.buf, w.pos, ns.length);
}

describe('Shipper', () => {
  it('inserts RowBinary records, and sets aside (with their columns) the rows of one ClickHouse cannot read', async () => {
    const spool = await Spool.open({ dir: join(dir, 'spool-binary'), maxBytes: 64 * 2 ** 20 });
    const metrics = createMetrics();
    const whole = binaryRecord(3);
    const torn = whole.subarray(0, whole.length - 7); // ClickHouse runs out of bytes inside the row
    const records = [binaryRecord(1, 2), torn, binaryRecord(4)];
    await Promise.all(records.map((record) => spool.append(record)));
    const deadLetterDir = join(dir, 'dead-letter-binary');
    const shipper = new Shipper({ client, database: 'spur', spool, metrics, flushIntervalMs: 10, insertMaxBytes: 2 ** 20, deadLetterDir, log: silent });
    shipper.start();
    try {
      await waitFor(async () => spool.pendingRecords === 0, { what: 'the spool to drain' });
    } finally {
      await shipper.stop(1000);
      await spool.close();
    }

    const result = await client.query({ query: "SELECT toString(event_id) AS id, toString(session_id) AS session_id FROM spur.events WHERE site_id = 'shipper-binary' ORDER BY id", format: 'JSONEachRow' });
    expect(await result.json()).toEqual([1, 2, 4].map((n) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, session_id: String(n) })));
    expect(readFileSync(join(deadLetterDir, 'events.rowbinary'))).toEqual(torn.subarray(BINARY_ROWS_OFFSET));
    expect(readFileSync(join(deadLetterDir, 'events.rowbinary.structure'), 'utf8')).toBe(EVENT_ROW_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ') + '\n');
    expect((await metrics.deadLetterRows.get()).values).toEqual([expect.objectContaining({ labels: { table: 'events' }, value: 1 })]);
  });

  it('sets aside the rows of a JSONEachRow request ClickHouse refuses (an older collector\'s spool), and still inserts every other row', async () => {
    const spool = await Spool.open({ dir: join(dir, 'spool'), maxBytes: 64 * 2 ** 20 });
    const metrics = createMetrics();
    const poison = '{"event_id":"not-a-uuid","site_id":"shipper-test","type":"page_view"}\n';
    const records = [row(1) + row(2), poison, row(3), 'garbage\n', row(4)];
    await Promise.all(records.map((rows) => spool.append(encodeJsonRecord('e', rows))));
    const deadLetterDir = join(dir, 'dead-letter');
    const shipper = new Shipper({ client, database: 'spur', spool, metrics, flushIntervalMs: 10, insertMaxBytes: 2 ** 20, deadLetterDir, log: silent });
    shipper.start();
    try {
      await waitFor(async () => spool.pendingRecords === 0, { what: 'the spool to drain' });
    } finally {
      await shipper.stop(1000);
      await spool.close();
    }

    const result = await client.query({ query: "SELECT toString(event_id) AS id FROM spur.events WHERE site_id = 'shipper-test' ORDER BY id", format: 'JSONEachRow' });
    expect((await result.json<{ id: string }>()).map((r) => Number(r.id.slice(-12)))).toEqual([1, 2, 3, 4]);
    expect(readFileSync(join(deadLetterDir, 'events.jsonl'), 'utf8')).toBe(poison + 'garbage\n');
    expect((await metrics.deadLetterRows.get()).values).toEqual([expect.objectContaining({ labels: { table: 'events' }, value: 2 })]);
  });

  it('retries anything that is not about the data itself', () => {
    expect(isDataError(Object.assign(new Error('Cannot parse input'), { code: '27' }))).toBe(true);
    expect(isDataError(Object.assign(new Error('Cannot parse UUID'), { code: '376' }))).toBe(true);
    expect(isDataError(Object.assign(new Error('Table spur.events does not exist'), { code: '60' }))).toBe(false);
    expect(isDataError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDataError(new Error('timeout'))).toBe(false);
  });
});
