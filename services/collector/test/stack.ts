import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { startClickHouse, type EmbeddedClickHouse } from '@spur/clickhouse-embedded';
import { pino } from 'pino';
import { startCollector, type Collector, type StartOptions } from '../src/collector.js';
import { loadConfig } from '../src/config.js';

// Integration tests run the real thing: an embedded ClickHouse on a free port in a temp dir,
// and the collector on a free port with its spool in a temp dir. Nothing is mocked.

export const ORIGIN = 'https://shop.example';
export const SERVER_KEY = 'demo-server-key-change-me-0001';
export const SITES = [
  { id: 'demo', origins: [ORIGIN], serverKey: SERVER_KEY },
  { id: 'other', origins: ['https://other.example'], allowBrowserUserId: true },
];

export interface TestStack {
  clickhouse: EmbeddedClickHouse;
  client: ClickHouseClient;
  collector: Collector;
  spoolDir: string;
  /** Stops the collector and starts a new one on the same spool (and, by default, port 0). */
  restartCollector(env?: Record<string, string>, options?: StartOptions): Promise<Collector>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

export function testEnv(clickhouseUrl: string, spoolDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    SPUR_HOST: '127.0.0.1',
    SPUR_PORT: '0',
    CLICKHOUSE_URL: clickhouseUrl,
    SPUR_SITES: JSON.stringify(SITES),
    SPUR_SPOOL_DIR: spoolDir,
    SPUR_FLUSH_INTERVAL_MS: '50',
    SPUR_LOG_LEVEL: 'silent',
    ...env,
  };
}

export async function startStack(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestStack> {
  const clickhouse = await startClickHouse();
  const spoolDir = await mkdtemp(join(tmpdir(), 'spur-spool-'));
  const client = createClient({ url: clickhouse.url });
  const logger = pino({ level: 'silent' });
  let collector: Collector;
  try {
    collector = await startCollector(loadConfig(testEnv(clickhouse.url, spoolDir, env)), { logger, ...options });
  } catch (error) {
    await client.close();
    await clickhouse.stop();
    throw error;
  }
  const stack: TestStack = {
    clickhouse,
    client,
    collector,
    spoolDir,
    async restartCollector(moreEnv = {}, moreOptions = {}) {
      await stack.collector.stop();
      stack.collector = await startCollector(loadConfig(testEnv(clickhouse.url, spoolDir, { ...env, ...moreEnv })), { logger, ...options, ...moreOptions });
      return stack.collector;
    },
    async query<T>(sql: string) {
      const result = await client.query({ query: sql, format: 'JSONEachRow' });
      return result.json<T>();
    },
    async stop() {
      await stack.collector.stop().catch(() => {});
      await client.close();
      await clickhouse.stop();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Node's fetch says "node", which is (rightly) a bot: tests speak as a desktop Chrome. */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export interface Sent {
  status: number;
  headers: Headers;
  body: any;
}

/** POST /v1/batch as a browser on ORIGIN (override headers for anything else). */
export async function postBatch(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<Sent> {
  const response = await fetch(`${baseUrl}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': BROWSER_UA, ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

let counter = 0;
/** A valid event of the given type with a fresh id. */
export function event(type = 'page_view', extra: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  const base = { id: crypto.randomUUID(), type, ts: Date.now() - 1000 + counter, url: 'https://shop.example/p/1' };
  const byType: Record<string, Record<string, unknown>> = {
    click: { element: { tag: 'button', text: 'Buy', selector: '#buy' } },
    search: { query: 'shoes', results: 3 },
    view_item: { items: [{ item_id: 'SKU-1', price: 10 }] },
    add_to_cart: { items: [{ item_id: 'SKU-1', price: 10, quantity: 2 }], currency: 'EUR', value: 20 },
    remove_from_cart: { items: [{ item_id: 'SKU-1' }] },
    view_cart: { items: [] },
    begin_checkout: { items: [{ item_id: 'SKU-1' }] },
    purchase: { items: [{ item_id: 'SKU-1' }], transaction_id: 'T-1', currency: 'EUR', value: 20 },
    custom: { name: 'signup' },
  };
  return { ...base, ...(byType[type] ?? {}), ...extra };
}

export function batch(events: unknown[], extra: Record<string, unknown> = {}) {
  return { site: 'demo', sent_at: Date.now(), events, ...extra };
}

export async function waitForRows(stack: TestStack, sql: string, expected: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = -1;
  while (Date.now() < deadline) {
    const rows = await stack.query<{ n: string }>(sql);
    n = Number(rows[0]?.n ?? 0);
    if (n >= expected) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
  return n;
}
