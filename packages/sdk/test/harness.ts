// Test harness for the SDK's browser tests: builds the real bundles, serves them and test pages
// from a loopback HTTP server that records (and validates) every batch, and opens pages in
// headless Chromium. No browser APIs are mocked.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEnvelope, validateEvent, type EventInput } from '@spur/protocol';
import { launchChromium, waitFor, type LaunchedBrowser } from '@spur/testing';
import { type BrowserContext, type BrowserContextOptions, type ConsoleMessage, type Page } from 'playwright-core';
import { build } from 'tsup';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { esmBundle, scriptBundle } from '../tsup.config.js';

/** The stub from the README, verbatim. */
export const STUB = 'window.spur=window.spur||function(){(spur.q=spur.q||[]).push(arguments)};';

export interface Bundles {
  /** dist/sdk.js as built by the package's tsup config. */
  sdk: string;
  /** dist/index.js (ESM), only when asked for. */
  esm?: string;
}

/** Builds the IIFE (and optionally the ESM build) with the package's own tsup config into a temp dir. */
export async function buildBundles({ esm = false } = {}): Promise<Bundles> {
  const dir = await mkdtemp(join(tmpdir(), 'spur-sdk-build-'));
  try {
    await build({ ...scriptBundle(dir, false), config: false });
    const sdk = await readFile(join(dir, 'sdk.js'), 'utf8');
    if (!esm) return { sdk };
    await build({ ...esmBundle(dir, false), config: false });
    return { sdk, esm: await readFile(join(dir, 'index.js'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Received {
  path: string;
  /** Parsed body (undefined if it was not JSON). */
  body: any;
  raw: string;
  headers: IncomingHttpHeaders;
  /** Status the server answered with. */
  status: number;
  /** Arrival time, epoch ms. */
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface PageSpec {
  html: string;
  headers?: Record<string, string>;
}

/**
 * Loopback collector + web server. Pages are registered by path; `POST …/v1/batch` is recorded
 * and answered from `replies` (then 200). Every received batch is checked against protocol v1.
 */
export class TestServer {
  readonly received: Received[] = [];
  /** Protocol violations found in received batches (should stay empty). */
  readonly invalid: string[] = [];
  /** Answers for the next batches, in order; afterwards 200 (or `fallback`). */
  replies: Reply[] = [];
  fallback: Reply | undefined;
  preflights = 0;
  /**
   * A batch whose events all predate the last reset() was sent by a closing page of an earlier
   * step or test (its final flush can reach the server after the reset): it is answered but not
   * recorded, so it cannot leak into the next test's expectations.
   */
  private resetAt = Date.now();
  private readonly pages = new Map<string, PageSpec>();
  private server!: Server;
  port = 0;

  constructor(private readonly bundles: Bundles) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const cors = {
        'access-control-allow-origin': req.headers.origin ?? '*',
        'access-control-expose-headers': 'Retry-After',
      };
      if (req.method === 'OPTIONS') {
        this.preflights++;
        res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type' });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname.endsWith('/v1/batch')) {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let body: any;
          try {
            body = JSON.parse(raw);
          } catch {
            this.invalid.push(`not JSON: ${raw.slice(0, 100)}`);
          }
          // A stale batch (see resetAt) takes none of the current test's scripted replies and is not recorded.
          const stale = this.predatesReset(body);
          const reply = (stale ? undefined : this.replies.shift()) ?? this.fallback ?? { status: 200 };
          if (!stale) {
            if (body) this.check(body);
            this.received.push({ path: url.pathname, body, raw, headers: req.headers, status: reply.status, at: Date.now() });
          }
          res.writeHead(reply.status, { ...cors, 'content-type': 'application/json', ...reply.headers });
          res.end(reply.body ?? JSON.stringify({ accepted: body?.events?.length ?? 0, rejected: [] }));
        });
        return;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204);
        return res.end();
      }
      if (url.pathname.endsWith('/sdk.js')) {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(this.bundles.sdk);
      }
      if (url.pathname === '/index.js' && this.bundles.esm) {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(this.bundles.esm);
      }
      if (url.pathname === '/stub.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(STUB);
      }
      const page = this.pages.get(url.pathname);
      if (!page) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('not found');
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...page.headers });
      res.end(page.html);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** http://127.0.0.1:port */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The same server under another origin (http://localhost:port). */
  get otherOrigin(): string {
    return `http://localhost:${this.port}`;
  }

  page(path: string, html: string, headers?: Record<string, string>): string {
    this.pages.set(path, { html, headers });
    return this.origin + path;
  }

  /** Forget what was received (between steps of one test). */
  reset(): void {
    this.resetAt = Date.now();
    this.received.length = 0;
    this.invalid.length = 0;
    this.replies = [];
    this.fallback = undefined;
  }

  /**
   * Events of batches the server accepted (2xx), in the order they were made: batches sent close
   * together may arrive in either order, so events are sorted by `ts` (stable: a batch keeps its
   * order; in creation order `ts` never decreases, a click's being the time of the click).
   */
  events(): EventInput[] {
    const events = this.received.filter((r) => r.status < 300 && r.body).flatMap((r) => r.body.events as EventInput[]);
    return events.sort((a, b) => a.ts - b.ts);
  }

  /** Accepted events of one type. */
  ofType<T extends EventInput['type']>(type: T): Extract<EventInput, { type: T }>[] {
    return this.events().filter((e) => e.type === type) as Extract<EventInput, { type: T }>[];
  }

  /** Waits until `check(events)` is truthy. */
  async until<T>(check: (events: EventInput[]) => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
    return waitFor(() => check(this.events()) || undefined, { what, timeoutMs, intervalMs: 25 });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every event of the batch was made before the last reset (the page's clock is this machine's). */
  private predatesReset(body: unknown): boolean {
    const events = (body as { events?: unknown } | undefined)?.events;
    return Array.isArray(events) && events.length > 0 && events.every((e) => typeof e?.ts === 'number' && e.ts < this.resetAt);
  }

  private check(body: unknown): void {
    const envelope = validateEnvelope(body);
    if (!envelope.ok) this.invalid.push(`envelope: ${JSON.stringify(envelope.errors)}`);
    for (const event of (body as { events?: unknown[] }).events ?? []) {
      const result = validateEvent(event);
      if (!result.ok) this.invalid.push(`${JSON.stringify(event)}: ${JSON.stringify(result.errors)}`);
    }
  }
}

export interface PageOptions {
  /** Extra attributes for the SDK's script tag, e.g. `data-flush-ms="100"`. */
  attrs?: string;
  head?: string;
  body?: string;
  title?: string;
  /** Put the inline stub (and `before`, calls made before the SDK loads) in front of the SDK. */
  stub?: boolean;
  before?: string;
  /** Script path; default /sdk.js. */
  src?: string;
}

/** A test page with the SDK's script tag. */
export function html({ attrs = '', head = '', body = '', title = 'Test page', stub, before = '', src = '/sdk.js' }: PageOptions = {}): string {
  const pre = stub ? `<script>${STUB}${before}</script>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${pre}${head}<script defer src="${src}" data-site="demo" ${attrs}></script></head><body>${body}</body></html>`;
}

export interface Opened {
  page: Page;
  context: BrowserContext;
  /** Uncaught page errors. */
  errors: string[];
  /** Console messages as "type: text". */
  console: string[];
}

/** A new context and page with error/console collection; goes to `url` when given. */
export async function open(browser: LaunchedBrowser, url?: string, options: BrowserContextOptions & { init?: () => void } = {}): Promise<Opened> {
  const { init, ...contextOptions } = options;
  const context = await browser.browser.newContext(contextOptions);
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const errors: string[] = [];
  const messages: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m: ConsoleMessage) => messages.push(`${m.type()}: ${m.text()}`));
  if (url) await page.goto(url);
  return { page, context, errors, console: messages };
}

/** Console messages except the browser's own network error lines ("Failed to load resource"). */
export function ownMessages(messages: string[]): string[] {
  return messages.filter((m) => !/Failed to load resource|net::ERR_/.test(m));
}

/** Headless Debian Chromium from @spur/testing; every context is fresh. */
export function startBrowser(): Promise<LaunchedBrowser> {
  return launchChromium();
}

export interface Suite {
  browser: LaunchedBrowser;
  server: TestServer;
  bundles: Bundles;
  /** Opens a page in a new context; closed (and checked) after the test. */
  open(url?: string, options?: Parameters<typeof open>[2]): Promise<Opened>;
}

/**
 * One browser and one server per test file. After each test: no protocol violations in what
 * the server received, no uncaught page errors; contexts are closed and the server reset.
 */
export function browserSuite({ esm = false } = {}): Suite {
  const opened: Opened[] = [];
  const suite = {
    async open(url?: string, options?: Parameters<typeof open>[2]) {
      const o = await open(suite.browser, url, options);
      opened.push(o);
      return o;
    },
  } as Suite;
  beforeAll(async () => {
    const [bundles, browser] = await Promise.all([buildBundles({ esm }), startBrowser()]);
    Object.assign(suite, { bundles, browser, server: await new TestServer(bundles).start() });
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.close();
  });
  afterEach(async () => {
    const errors = opened.flatMap((o) => o.errors);
    await Promise.all(opened.splice(0).map((o) => o.context.close()));
    const invalid = [...suite.server.invalid];
    suite.server.reset();
    expect(invalid, 'protocol violations').toEqual([]);
    expect(errors, 'page errors').toEqual([]);
  });
  return suite;
}

export { waitFor };
