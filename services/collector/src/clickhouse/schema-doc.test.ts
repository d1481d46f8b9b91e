import { readdirSync, readFileSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { startClickHouse, type EmbeddedClickHouse } from '@spur/clickhouse-embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';

// docs/schema.md is what data teams read: it must describe the tables exactly as they exist.
const DOC = readFileSync(new URL('../../../../docs/schema.md', import.meta.url), 'utf8');

/** `## spur.events` sections and their `| \`column\` | \`Type\` | … |` rows. */
function documentedColumns(): Map<string, Array<[string, string]>> {
  const tables = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | undefined;
  for (const line of DOC.split('\n')) {
    const heading = /^## spur\.(\w+)$/.exec(line);
    if (heading) tables.set(heading[1]!, (current = []));
    else if (line.startsWith('## ')) current = undefined;
    const row = /^\| `(\w+)` \| `([^`]+)` \|/.exec(line);
    if (row && current) current.push([row[1]!, row[2]!]);
  }
  return tables;
}

let clickhouse: EmbeddedClickHouse;
let client: ClickHouseClient;

beforeAll(async () => {
  clickhouse = await startClickHouse();
  client = createClient({ url: clickhouse.url });
  await migrate(client, { database: 'spur', retentionDays: 395 });
});
afterAll(async () => {
  await client?.close();
  await clickhouse?.stop();
});

describe('docs/schema.md', () => {
  it('lists every table with exactly its columns and types, in order', async () => {
    const documented = documentedColumns();
    const result = await client.query({
      query: `SELECT table, name, type FROM system.columns WHERE database = 'spur' ORDER BY table, position`,
      format: 'JSONEachRow',
    });
    const actual = new Map<string, Array<[string, string]>>();
    for (const { table, name, type } of await result.json<{ table: string; name: string; type: string }>()) {
      if (table.endsWith('_mv')) continue;
      if (!actual.has(table)) actual.set(table, []);
      actual.get(table)!.push([name, type.replace(/\s+/g, ' ')]);
    }
    const normalise = (m: Map<string, Array<[string, string]>>) =>
      Object.fromEntries([...m].map(([t, cols]) => [t, cols.map(([n, ty]) => `${n}: ${ty.replace(/\s+/g, ' ')}`)]));
    expect(normalise(documented)).toEqual(normalise(actual));
  });

  it('has SQL examples that run as written (every ```sql block in docs/ and the README)', async () => {
    const root = new URL('../../../../', import.meta.url);
    const files = ['README.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const statements: Array<[string, string]> = [];
    for (const file of files) {
      const text = readFileSync(new URL(file, root), 'utf8');
      for (const [, block] of text.matchAll(/```sql\n([\s\S]*?)```/g)) {
        for (const sql of block!.replace(/--.*$/gm, '').split(/;\s*$/m)) if (sql.trim()) statements.push([file, sql.trim()]);
      }
    }
    expect(statements.length).toBeGreaterThanOrEqual(4);
    for (const [file, sql] of statements) {
      await expect(client.query({ query: sql, format: 'JSONEachRow' }).then((r) => r.json()), `${file}:\n${sql}`).resolves.toBeInstanceOf(Array);
    }
  });
});
