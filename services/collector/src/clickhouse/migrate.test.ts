import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { startClickHouse, type EmbeddedClickHouse } from '@spur/clickhouse-embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './schema.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

let clickhouse: EmbeddedClickHouse;
let client: ClickHouseClient;

beforeAll(async () => {
  clickhouse = await startClickHouse();
  client = createClient({ url: clickhouse.url });
});
afterAll(async () => {
  await client?.close();
  await clickhouse?.stop();
});

async function tables(database: string): Promise<string[]> {
  const result = await client.query({ query: `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`, format: 'JSONEachRow' });
  return (await result.json<{ name: string }>()).map((r) => r.name);
}

describe('migrations', () => {
  it('create the schema and record the version; a second run changes nothing', async () => {
    const first = await migrate(client, { database: 'm1', retentionDays: 30 });
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    const second = await migrate(client, { database: 'm1', retentionDays: 30 });
    expect(second.applied).toEqual([]);
    expect(await tables('m1')).toEqual(['daily_overview', 'daily_overview_mv', 'events', 'rejected_events', 'schema_migrations', 'visitor_salts']);
    const ddl = await client.query({ query: 'SHOW CREATE TABLE m1.events', format: 'TabSeparatedRaw' });
    expect(await ddl.text()).toContain('TTL toDateTime(ts) + toIntervalDay(30)');
  });

  it('follow the configured retention at every run, including none', async () => {
    await migrate(client, { database: 'm2', retentionDays: 0 });
    await migrate(client, { database: 'm2', retentionDays: 7 });
    const ddl = await client.query({ query: 'SHOW CREATE TABLE m2.events', format: 'TabSeparatedRaw' });
    expect(await ddl.text()).toContain('toIntervalDay(7)');
    await migrate(client, { database: 'm2', retentionDays: 0 });
    const after = await client.query({ query: 'SHOW CREATE TABLE m2.events', format: 'TabSeparatedRaw' });
    expect(await after.text()).not.toContain('TTL toDateTime(ts)');
  });

  it('run from two processes at once without error', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run pnpm build first (pnpm test does)`);
    const env = { ...process.env, CLICKHOUSE_URL: clickhouse.url, CLICKHOUSE_DATABASE: 'm3', SPUR_SITES: '[{"id":"x"}]', SPUR_LOG_LEVEL: 'warn' };
    const both = await Promise.all([run(process.execPath, [MAIN, 'migrate'], { env }), run(process.execPath, [MAIN, 'migrate'], { env })]);
    expect(both.map((r) => r.stderr)).toEqual(['', '']);
    expect(await tables('m3')).toContain('events');
    const versions = await client.query({ query: 'SELECT DISTINCT version FROM m3.schema_migrations', format: 'JSONEachRow' });
    expect((await versions.json<{ version: number }>()).map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
  });
});
