import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { findFreePort, startClickHouse, type EmbeddedClickHouse } from '@spur/clickhouse-embedded';
import { loadConfig, startCollector, type Collector } from '@spur/collector';
import { launchChromium, waitFor, type LaunchedBrowser } from '@spur/testing';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type Browser, type BrowserContext, type BrowserContextOptions, type ConsoleMessage, type Page, type Request } from 'playwright-core';

// The whole path a shop lives, started the way a developer would: an embedded ClickHouse (free
// port, temp dir), the collector in-process on a port chosen first (so that the demo site's
// origin can be configured before it starts), serving the demo shop at /demo/ and the SDK at
// /sdk.js, and headless Chromium. Nothing is mocked. Mirrors services/collector/test/stack.ts,
// except that the collector runs with its DEFAULT flush interval (the latency test needs it).

/** services/demo-shop/public: what the collector serves at /demo/. */
export const DEMO_DIR = fileURLToPath(new URL('../public', import.meta.url));
/** Repository root; `artifacts/` there is git-ignored. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const ARTIFACTS_DIR = join(REPO_ROOT, 'artifacts');

/** The site id in every demo page's script tag (`data-site="demo"`). */
export const SITE = 'demo';

const silent = pino({ level: 'silent' });

export interface ShopStack {
  clickhouse: EmbeddedClickHouse;
  /** A data team's client on spur's ClickHouse. */
  client: ClickHouseClient;
  /** The running collector; undefined while stopped (see stopCollector). */
  collector: Collector | undefined;
  port: number;
  /** http://127.0.0.1:<port>: the collector, and the shop's origin. */
  origin: string;
  /** http://127.0.0.1:<port>/demo/ */
  shop: string;
  spoolDir: string;
  env: Record<string, string>;
  /**
   * Every request for /v1/batch that reached a collector of this stack (beacons included), seen
   * on its HTTP server: what "was anything sent?" is judged by.
   */
  batchRequests: Array<{ at: number; method: string; origin: string }>;
  /** collector.stop(): the port and the spool stay reserved for startCollector(). */
  stopCollector(): Promise<void>;
  /** A new collector on the same port and spool directory. */
  startCollector(): Promise<Collector>;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  stop(): Promise<void>;
}

async function startShopStack(): Promise<ShopStack> {
  const clickhouse = await startClickHouse();
  const spoolDir = await mkdtemp(join(tmpdir(), 'spur-e2e-spool-'));
  const client = createClient({ url: clickhouse.url });
  const port = await findFreePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    SPUR_HOST: '127.0.0.1',
    SPUR_PORT: String(port),
    CLICKHOUSE_URL: clickhouse.url,
    SPUR_SITES: JSON.stringify([{ id: SITE, origins: [origin], allowBrowserUserId: true }]),
    SPUR_DEMO_DIR: DEMO_DIR,
    SPUR_SPOOL_DIR: spoolDir,
    SPUR_LOG_LEVEL: 'silent',
    SPUR_RATE_LIMIT_PER_IP: '0',
    // SPUR_FLUSH_INTERVAL_MS deliberately left at its default.
  };
  const batchRequests: ShopStack['batchRequests'] = [];
  const start = async () => {
    const started = await startCollector(loadConfig(env), { logger: silent });
    // Observes only: one more listener on the collector's own HTTP server.
    started.app.server.on('request', (req: IncomingMessage) => {
      if ((req.url ?? '').split('?')[0] === '/v1/batch') batchRequests.push({ at: Date.now(), method: req.method ?? '', origin: String(req.headers.origin ?? '') });
    });
    return started;
  };
  let collector: Collector | undefined;
  try {
    collector = await start();
  } catch (error) {
    await client.close();
    await clickhouse.stop();
    await rm(spoolDir, { recursive: true, force: true });
    throw error;
  }
  const stack: ShopStack = {
    clickhouse,
    client,
    collector,
    port,
    origin,
    shop: `${origin}/demo/`,
    spoolDir,
    env,
    batchRequests,
    async stopCollector() {
      const running = stack.collector;
      stack.collector = undefined;
      await running?.stop();
    },
    async startCollector() {
      if (stack.collector) throw new Error('the collector is already running');
      stack.collector = await start();
      return stack.collector;
    },
    async query<T>(sql: string, params: Record<string, unknown> = {}) {
      const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return result.json<T>();
    },
    async stop() {
      await stack.collector?.stop().catch(() => {});
      stack.collector = undefined;
      await client.close().catch(() => {});
      await clickhouse.stop();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** One row of `spur.events FINAL`, as JSONEachRow gives it (UInt64 as strings, decimals as numbers). */
export interface EventRow {
  event_id: string;
  type: string;
  ts_ms: string;
  client_ts_ms: string;
  visitor_id: string;
  session_id: string;
  user_id: string;
  page_id: string;
  seq: number;
  url: string;
  path: string;
  title: string;
  referrer: string;
  channel: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  is_bot: boolean;
  device: string;
  browser: string;
  element_tag: string;
  element_text: string;
  element_selector: string;
  element_href: string;
  element_attrs: Record<string, string>;
  search_query: string;
  search_results: number | null;
  items: Array<{ item_id: string; item_name: string; item_category: string; item_brand: string; item_variant: string; price: number | null; quantity: number }>;
  currency: string;
  value: number | null;
  transaction_id: string;
  name: string;
  props: Record<string, string>;
}

const COLUMNS = `toString(event_id) AS event_id, type, toString(toUnixTimestamp64Milli(ts)) AS ts_ms,
  toString(toUnixTimestamp64Milli(client_ts)) AS client_ts_ms, toString(visitor_id) AS visitor_id,
  toString(session_id) AS session_id, user_id, toString(page_id) AS page_id, seq, url, path, title, referrer, channel,
  utm_source, utm_medium, utm_campaign, is_bot, device, browser, element_tag, element_text, element_selector,
  element_href, element_attrs, search_query, search_results, items, currency, value, transaction_id, name, props`;

/**
 * Rows of spur.events read the documented way (FINAL: each event once), in the order they
 * happened: by `client_ts`, the browser's own clock. (`ts` is the same time plus a per-batch clock
 * skew correction of a few milliseconds on this machine, which could swap two events a few ms
 * apart that left in different batches.) Ties (same millisecond) are broken by the page view the
 * event belongs to (earlier page first), then by `seq`, its position within that page view.
 */
export async function eventRows(stack: ShopStack, where: string, params: Record<string, unknown> = {}): Promise<EventRow[]> {
  // Filter in an inner query: the outer aliases (toString(visitor_id) AS visitor_id, …) would
  // otherwise shadow the columns in WHERE.
  const rows = await stack.query<EventRow>(`SELECT ${COLUMNS} FROM (SELECT * FROM spur.events FINAL WHERE site_id = {site:String} AND (${where}))`, {
    site: SITE,
    ...params,
  });
  const pageStart = new Map<string, number>();
  for (const r of rows) if (r.type === 'page_view') pageStart.set(r.page_id, Number(r.client_ts_ms));
  const key = (r: EventRow) => pageStart.get(r.page_id) ?? Number(r.client_ts_ms);
  return rows.sort((a, b) => Number(a.client_ts_ms) - Number(b.client_ts_ms) || key(a) - key(b) || a.seq - b.seq);
}

/** SQL condition: the event happened (client clock) at or after `since` (epoch ms). Use with `{ since }`. */
export const SINCE = 'client_ts >= fromUnixTimestamp64Milli({since:Int64})';

/**
 * Polls spur.events FINAL until `done(rows)` holds, then keeps polling until the rows have not
 * changed for `settleMs` (so that a late duplicate or an extra event would still be seen), and
 * returns them. Fails after `timeoutMs` with the rows seen so far.
 */
export async function waitForRows(
  stack: ShopStack,
  where: string,
  params: Record<string, unknown>,
  done: (rows: EventRow[]) => boolean,
  { timeoutMs = 20_000, settleMs = 1_500, what = 'rows' } = {},
): Promise<EventRow[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: EventRow[] = [];
  let stableSince = 0;
  let signature = '';
  for (;;) {
    rows = await eventRows(stack, where, params);
    const now = Date.now();
    const next = rows.map((r) => r.event_id).join();
    if (next !== signature) (signature = next), (stableSince = now);
    if (done(rows) && now - stableSince >= settleMs) return rows;
    if (now > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; rows so far (${rows.length}):\n${describeRows(rows)}`);
    }
    await sleep(150);
  }
}

/** One line per row, for failure messages. */
export function describeRows(rows: EventRow[]): string {
  return rows
    .map((r) => {
      const what =
        r.type === 'click' ? `${r.element_tag} "${r.element_text}" ${r.element_href}`
        : r.type === 'search' ? `"${r.search_query}" results=${r.search_results}`
        : r.type === 'page_view' ? r.url
        : r.items?.length ? r.items.map((i) => `${i.item_id}×${i.quantity}`).join(',')
        : '';
      return `  ${new Date(Number(r.client_ts_ms)).toISOString()} ${r.type.padEnd(16)} seq=${r.seq} ${what}`;
    })
    .join('\n');
}

// ---------- browser ----------

export { waitFor };

/** Headless Chromium (@spur/testing) speaking as an ordinary desktop Chrome, see SHOPPER_UA. */
function launchBrowser(): Promise<LaunchedBrowser> {
  return launchChromium({ args: [`--user-agent=${SHOPPER_UA}`] });
}

/** What a test file shares: one stack and one browser, started before its tests, stopped after. */
export interface ShopFixture {
  readonly stack: ShopStack;
  readonly chromium: LaunchedBrowser;
}

/** Registers the file's beforeAll/afterAll; the fields are set once the tests run. */
export function useShopStack(): ShopFixture {
  const shop = {} as { stack: ShopStack; chromium: LaunchedBrowser };
  beforeAll(async () => {
    shop.stack = await startShopStack();
    shop.chromium = await launchBrowser();
  });
  afterAll(async () => {
    await shop.chromium?.close();
    await shop.stack?.stop();
  });
  return shop;
}

/**
 * The user agent of every shopper: an ordinary desktop Chrome. Headless Chromium's own
 * ("HeadlessChrome/…") is, rightly, on the collector's bot list. It is set for the whole browser
 * (--user-agent), not per context: Chromium sends a beacon fired during pagehide from the browser
 * process, without a context's user-agent override, so a per-context user agent would give one
 * shopper two visitor ids (IP + user agent) and half of their events would count as a bot.
 * Consequence: all contexts of one browser (one test file) are the same visitor; tests tell their
 * rows apart by time (tests in a file run one after another) and by what they did.
 */
export const SHOPPER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A batch the page sent to /v1/batch, as Playwright saw it leave (fetch only: see openShopper). */
export interface SentBatch {
  resourceType: string;
  body: { site: string; sent_at: number; events: Array<Record<string, any>>; dropped?: number; sdk?: string } | undefined;
}

export interface Shopper {
  context: BrowserContext;
  page: Page;
  /** POSTs to /v1/batch Playwright saw from this context, in order (not beacons sent while a page is left). */
  batches: SentBatch[];
  /** Uncaught exceptions on its pages. */
  pageErrors: string[];
  /** Console messages of type 'error', with where Chromium says they come from. */
  consoleErrors: Array<{ text: string; url: string }>;
  /** Console warnings the SDK logs in debug mode (the demo's script tag has data-debug): "[spur] …". */
  spurWarnings: string[];
  /**
   * Leaves the shop as a visitor does (the page goes to about:blank), so the SDK sends what it
   * holds on pagehide. Call it, then wait for the rows, then close: closing the context fires no
   * pagehide, so events still within the SDK's 2 s flush timer would be lost with it.
   */
  leave(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A new browser context (one shopper: its own cookies and storage) with one page. Records what
 * Playwright sees of its batches and of its errors. Playwright does not see beacons sent while a
 * page is being left, so counts of what reached the collector come from ShopStack.batchRequests.
 */
export async function openShopper(browser: Browser, options: BrowserContextOptions = {}): Promise<Shopper> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const batches: SentBatch[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: Array<{ text: string; url: string }> = [];
  const spurWarnings: string[] = [];
  context.on('request', (request: Request) => {
    if (request.method() !== 'POST' || new URL(request.url()).pathname !== '/v1/batch') return;
    let body: SentBatch['body'];
    try {
      body = JSON.parse(request.postData() ?? '');
    } catch {
      body = undefined;
    }
    batches.push({ resourceType: request.resourceType(), body });
  });
  const watch = (page: Page) => {
    page.on('pageerror', (error) => pageErrors.push(String(error?.stack ?? error)));
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') consoleErrors.push({ text: message.text(), url: message.location().url });
      if (message.text().startsWith('[spur]')) spurWarnings.push(message.text());
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  return {
    context,
    page,
    batches,
    pageErrors,
    consoleErrors,
    spurWarnings,
    leave: async () => {
      await page.goto('about:blank');
    },
    close: () => context.close(),
  };
}

/** Navigates and waits until the shop has rendered (`body.is-ready`). */
export async function openShopPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('body.is-ready').waitFor({ timeout: 10_000 });
}

// ---------- other servers ----------

export interface TinyServer {
  url: string;
  port: number;
  requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

/** A throw-away HTTP server on a free port of 127.0.0.1. */
export async function startTinyServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TinyServer> {
  const requests: TinyServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------- artifacts ----------

export async function writeArtifact(name: string, data: string | Buffer): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  await writeFile(path, data);
  return path;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
