import type { ClickHouseClient } from '@clickhouse/client';
import { MIGRATIONS, MIGRATIONS_TABLE, type Migration } from './schema.js';

export interface MigrateOptions {
  database: string;
  /** Days to keep events; 0 keeps them forever. Applied on every run, so a config change takes effect at the next start. */
  retentionDays: number;
  migrations?: readonly Migration[];
  log?: { info(obj: object, msg: string): void };
}

export interface MigrateResult {
  applied: number[];
  current: number;
}

/**
 * Brings the database to the newest schema. Safe to run concurrently from several collectors:
 * every statement is idempotent, so two runners at once both succeed and record the version twice.
 */
export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrateResult> {
  const { database, migrations = MIGRATIONS } = options;
  const sql = (statement: string) => statement.replaceAll('{db}', quoteIdentifier(database));

  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}` });
  await client.command({ query: sql(MIGRATIONS_TABLE) });

  const done = await appliedVersions(client, database);
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements) await client.command({ query: sql(statement) });
    await client.insert({
      table: `${quoteIdentifier(database)}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
    });
    applied.push(migration.version);
    options.log?.info({ version: migration.version, name: migration.name }, 'migration applied');
  }

  await applyRetention(client, database, options.retentionDays);
  const current = Math.max(0, ...migrations.map((m) => m.version));
  return { applied, current };
}

async function appliedVersions(client: ClickHouseClient, database: string): Promise<Set<number>> {
  const result = await client.query({
    query: `SELECT DISTINCT version FROM ${quoteIdentifier(database)}.schema_migrations`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number }>();
  return new Set(rows.map((row) => Number(row.version)));
}

/** Retention is configuration, not schema: set (or remove) the events TTL to match it. */
async function applyRetention(client: ClickHouseClient, database: string, days: number): Promise<void> {
  const table = `${quoteIdentifier(database)}.events`;
  const query =
    days > 0
      ? `ALTER TABLE ${table} MODIFY TTL toDateTime(ts) + INTERVAL ${Math.floor(days)} DAY`
      : `ALTER TABLE ${table} REMOVE TTL`;
  try {
    // MODIFY TTL would otherwise rewrite every part right away; existing parts get the TTL at their next merge.
    await client.command({ query, clickhouse_settings: { materialize_ttl_after_modify: 0 } });
  } catch (error) {
    // REMOVE TTL on a table that has none is an error in ClickHouse; nothing to do then.
    if (days > 0 || !/TTL/i.test(String(error))) throw error;
  }
}

/** Database names come from configuration; quote them anyway. */
export function quoteIdentifier(name: string): string {
  return '`' + name.replaceAll('\\', '\\\\').replaceAll('`', '\\`') + '`';
}
