import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { type EmbeddedClickHouse, findFreePort, startClickHouse } from '@spur/clickhouse-embedded';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SaltStore, type SaltStoreLogger } from './salts.js';
import { visitorId } from './visitor-id.js';

const DDL =
  'CREATE TABLE IF NOT EXISTS {db}.visitor_salts (day Date, salt String, created_at DateTime64(3) DEFAULT now64(3)) ENGINE = MergeTree ORDER BY (day, created_at) TTL day + INTERVAL 2 DAY';

const DAY = 86_400_000;
// Real dates: ClickHouse applies the table's TTL on insert, so rows of long-past days vanish.
const TODAY = Math.floor(Date.now() / DAY) * DAY;
const NOON = TODAY + 12 * 3600_000;
const IP = '203.0.113.9';
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

let dataDir: string;
let port: number;
let clickhouse: EmbeddedClickHouse;
let client: ClickHouseClient;
const stores: SaltStore[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'spur-salts-'));
  port = await findFreePort();
  clickhouse = await startClickHouse({ port, dataDir });
  // Some tests fail queries on purpose; the store reports failures through its own logger.
  client = createClient({ url: clickhouse.url, log: { level: ClickHouseLogLevel.OFF } });
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.stop()));
  vi.useRealTimers();
});

afterAll(async () => {
  await client?.close();
  await clickhouse?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

let databases = 0;
async function emptyDatabase(): Promise<string> {
  const database = `salts_${++databases}`;
  await client.command({ query: `CREATE DATABASE ${database}` });
  await client.command({ query: DDL.replaceAll('{db}', database) });
  return database;
}

/** A store on `database` whose clock reads `clock.now`; stopped after each test. */
function storeAt(database: string, clock: { now: number }, log: SaltStoreLogger = { warn: () => {} }): SaltStore {
  const store = new SaltStore({ client, database, now: () => clock.now, log });
  stores.push(store);
  return store;
}

async function rows(database: string): Promise<Array<{ day: string; salt: string }>> {
  const result = await client.query({
    query: `SELECT toString(day) AS day, salt FROM ${database}.visitor_salts ORDER BY day, created_at`,
    format: 'JSONEachRow',
  });
  return result.json();
}

const isoDay = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);
const idOf = (store: SaltStore, ts: number) => visitorId(store.saltFor(ts), 'shop', IP, UA);

describe('SaltStore', () => {
  it('gives the same IP and user agent one visitor id all day, and a different one the next day', async () => {
    const clock = { now: NOON };
    const store = storeAt(await emptyDatabase(), clock);
    await store.start();
    const morning = idOf(store, TODAY + 5 * 60_000);
    expect(idOf(store, TODAY + DAY - 1)).toBe(morning);

    clock.now = NOON + DAY;
    await store.refresh();
    expect(idOf(store, clock.now)).not.toBe(morning);
  });

  it("keeps yesterday's salt for events that happened yesterday, and uses today's for anything older", async () => {
    const clock = { now: NOON };
    const store = storeAt(await emptyDatabase(), clock);
    await store.start();
    const yesterday = store.saltFor(NOON);

    clock.now = NOON + DAY;
    await store.refresh();
    expect(store.saltFor(NOON)).toEqual(yesterday);
    expect(store.saltFor(NOON - 3 * DAY)).toEqual(store.saltFor(clock.now));
  });

  it('stores 32 random bytes per day, as hex, for yesterday, today and tomorrow', async () => {
    const database = await emptyDatabase();
    const store = storeAt(database, { now: NOON });
    await store.start();
    const stored = await rows(database);
    expect(stored.map((row) => row.day)).toEqual([isoDay(NOON - DAY), isoDay(NOON), isoDay(NOON + DAY)]);
    for (const row of stored) expect(row.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(stored.map((row) => row.salt)).size).toBe(3);
    expect(store.saltFor(NOON).toString('hex')).toBe(stored[1]?.salt);
  });

  it('adopts the salt another replica already stored', async () => {
    const database = await emptyDatabase();
    const existing = 'ab'.repeat(32);
    await client.insert({ table: `${database}.visitor_salts`, values: [{ day: isoDay(NOON), salt: existing }], format: 'JSONEachRow' });
    const store = storeAt(database, { now: NOON });
    await store.start();
    expect(store.saltFor(NOON).toString('hex')).toBe(existing);
  });

  it('lets two stores started at once on an empty table converge on one salt after a refresh', async () => {
    const database = await emptyDatabase();
    const clock = { now: NOON };
    const [a, b] = [storeAt(database, clock), storeAt(database, clock)];
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.refresh(), b.refresh()]);
    for (const ts of [NOON - DAY, NOON, NOON + DAY]) expect(a.saltFor(ts)).toEqual(b.saltFor(ts));
    expect(idOf(a, NOON)).toBe(idOf(b, NOON));
  });

  it('deletes salts older than yesterday, so old ids cannot be recomputed', async () => {
    // Days ahead of the real date, so that only the store's DELETE, not the TTL, can remove rows.
    const database = await emptyDatabase();
    const clock = { now: NOON + 5 * DAY };
    const old = [3, 2].map((daysAgo) => ({ day: isoDay(clock.now - daysAgo * DAY), salt: 'cd'.repeat(32) }));
    await client.insert({ table: `${database}.visitor_salts`, values: old, format: 'JSONEachRow' });
    const store = storeAt(database, clock);
    await store.start();
    const days = () => rows(database).then((stored) => stored.map((row) => row.day));
    expect(await days()).toEqual([isoDay(clock.now - DAY), isoDay(clock.now), isoDay(clock.now + DAY)]);
    expect(store.saltFor(clock.now - 2 * DAY)).toEqual(store.saltFor(clock.now));

    clock.now += 2 * DAY;
    await store.refresh();
    expect(await days()).toEqual([isoDay(clock.now - DAY), isoDay(clock.now), isoDay(clock.now + DAY)]);
  });

  it('refreshes in the background every minute', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const database = await emptyDatabase();
    const clock = { now: NOON };
    const store = storeAt(database, clock);
    await store.start();
    clock.now = NOON + DAY;
    vi.advanceTimersByTime(60_000);
    await vi.waitFor(async () => expect((await rows(database)).map((row) => row.day)).toContain(isoDay(NOON + 2 * DAY)));
  });

  it('rejects start() when ClickHouse cannot be used', async () => {
    const store = storeAt('no_such_database', { now: NOON });
    await expect(store.start()).rejects.toThrow();
  });

  it('refuses a database name that is not a plain identifier', () => {
    expect(() => new SaltStore({ client, database: 'spur; DROP TABLE x' })).toThrow(RangeError);
  });

  // Last: restarts the shared ClickHouse.
  it('serves a local salt while ClickHouse is down at a day change, and offers it once ClickHouse is back', async () => {
    const database = await emptyDatabase();
    const warnings: string[] = [];
    const clock = { now: NOON };
    const store = storeAt(database, clock, { warn: (_obj, msg) => warnings.push(msg) });
    await store.start();

    await clickhouse.stop();
    clock.now = NOON + 3 * DAY; // no salt for this day was agreed before the outage
    const local = store.saltFor(clock.now);
    expect(store.saltFor(clock.now)).toBe(local);
    expect(warnings.join('\n')).toMatch(/local/);
    await expect(store.refresh()).rejects.toThrow();
    expect(store.saltFor(clock.now)).toBe(local);

    clickhouse = await startClickHouse({ port, dataDir });
    await store.refresh();
    expect(store.saltFor(clock.now)).toEqual(local);
    expect((await rows(database)).find((row) => row.day === isoDay(clock.now))?.salt).toBe(local.toString('hex'));
  });
});
