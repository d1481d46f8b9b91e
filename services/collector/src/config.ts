import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

// All configuration comes from environment variables (and, for sites, optionally a JSON file),
// is validated once at start, and a wrong value stops the process with a message that names the
// variable. docs/configuration.md lists every setting; a test keeps the two in step.

const SITE_ID = /^[a-z0-9][a-z0-9_-]*$/;

const Origin = z.string().transform((value, ctx) => {
  const origin = normalizeOrigin(value);
  if (!origin) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin like https://shop.example` });
    return z.NEVER;
  }
  return origin;
});

export const SiteConfig = z.object({
  id: z.string().max(64).regex(SITE_ID, 'lowercase letters, digits, _ and - only'),
  /** Browser origins allowed to send for this site, e.g. "https://shop.example". */
  origins: z.array(Origin).default([]),
  /** Secret for back-end sends (`Authorization: Bearer <key>`). */
  serverKey: z.string().min(24, 'at least 24 characters').optional(),
  /** Whether `user_id` from browsers (spur.identify) is kept; by default only the server key may set it. */
  allowBrowserUserId: z.boolean().default(false),
});
export type SiteConfig = z.infer<typeof SiteConfig>;

const Sites = z
  .array(SiteConfig)
  .refine((sites) => new Set(sites.map((s) => s.id)).size === sites.length, 'site ids must be unique');

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/** Environment variables, their defaults and their checks. */
const Env = z.object({
  SPUR_HOST: z.string().min(1).default('127.0.0.1'),
  SPUR_PORT: int(0, 65535).default(8080),
  CLICKHOUSE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8123'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _ only').default('spur'),
  SPUR_SITES: z.string().optional(),
  SPUR_CONFIG_FILE: z.string().optional(),
  SPUR_MIGRATE: bool.default(true),
  SPUR_RETENTION_DAYS: int(0, 36500).default(395),
  SPUR_SPOOL_DIR: z.string().min(1).default('./.data/spool'),
  SPUR_SPOOL_MAX_MB: int(1, 1_048_576).default(1024),
  SPUR_MAX_PENDING_MB: int(1, 4096).default(64),
  SPUR_MAX_INFLIGHT: int(1, 100_000).default(256),
  SPUR_INGEST_WORKERS: z.union([z.literal('auto'), int(0, 64)]).default('auto'),
  SPUR_FLUSH_INTERVAL_MS: int(10, 60_000).default(500),
  SPUR_INSERT_MAX_MB: int(1, 1024).default(16),
  SPUR_TRUST_PROXY: z.string().default('false'),
  SPUR_STRIP_PARAMS: list.default([]),
  SPUR_MAX_EVENT_AGE_HOURS: int(1, 24 * 365).default(168),
  SPUR_RATE_LIMIT_PER_IP: int(0, 10_000_000).default(1200),
  SPUR_RATE_LIMIT_PER_SITE: int(0, 100_000_000).default(0),
  SPUR_SHUTDOWN_TIMEOUT_MS: int(100, 60_000).default(8000),
  SPUR_DEMO_DIR: z.string().optional(),
  SPUR_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Every environment variable the collector reads (docs/configuration.md documents each). */
export const ENV_VARS = Object.keys(Env.shape);

export interface Config {
  host: string;
  port: number;
  clickhouse: { url: string; username: string; password: string; database: string };
  sites: SiteConfig[];
  migrate: boolean;
  retentionDays: number;
  spool: { dir: string; maxBytes: number };
  /** Bound on request bodies held in memory while they wait for the spool. */
  maxPendingBytes: number;
  /** Batch requests being processed at once; more are refused with 503 before their body is read. */
  maxInflight: number;
  /** Worker threads that decode, validate and enrich batches; 0 = on the main thread. */
  ingestWorkers: number;
  flushIntervalMs: number;
  insertMaxBytes: number;
  /** Fastify's trustProxy: false, true, a hop count or a list of addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  stripParams: string[];
  maxEventAgeMs: number;
  /** Requests per minute per client IP; 0 = off. */
  rateLimitPerIp: number;
  /** Events per second per site; 0 = off. */
  rateLimitPerSite: number;
  shutdownTimeoutMs: number;
  demoDir: string | undefined;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and checks the configuration; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message} (got ${show(env[String(i.path[0])])})`));
  }
  const e = parsed.data;
  const sites = loadSites(e.SPUR_SITES, e.SPUR_CONFIG_FILE, cwd);
  return {
    host: e.SPUR_HOST,
    port: e.SPUR_PORT,
    clickhouse: { url: e.CLICKHOUSE_URL, username: e.CLICKHOUSE_USER, password: e.CLICKHOUSE_PASSWORD, database: e.CLICKHOUSE_DATABASE },
    sites,
    migrate: e.SPUR_MIGRATE,
    retentionDays: e.SPUR_RETENTION_DAYS,
    spool: { dir: resolve(cwd, e.SPUR_SPOOL_DIR), maxBytes: e.SPUR_SPOOL_MAX_MB * 1024 * 1024 },
    maxPendingBytes: e.SPUR_MAX_PENDING_MB * 1024 * 1024,
    maxInflight: e.SPUR_MAX_INFLIGHT,
    ingestWorkers: e.SPUR_INGEST_WORKERS === 'auto' ? autoIngestWorkers() : e.SPUR_INGEST_WORKERS,
    flushIntervalMs: e.SPUR_FLUSH_INTERVAL_MS,
    insertMaxBytes: e.SPUR_INSERT_MAX_MB * 1024 * 1024,
    trustProxy: parseTrustProxy(e.SPUR_TRUST_PROXY),
    stripParams: e.SPUR_STRIP_PARAMS,
    maxEventAgeMs: e.SPUR_MAX_EVENT_AGE_HOURS * 3600_000,
    rateLimitPerIp: e.SPUR_RATE_LIMIT_PER_IP,
    rateLimitPerSite: e.SPUR_RATE_LIMIT_PER_SITE,
    shutdownTimeoutMs: e.SPUR_SHUTDOWN_TIMEOUT_MS,
    demoDir: e.SPUR_DEMO_DIR ? resolve(cwd, e.SPUR_DEMO_DIR) : undefined,
    logLevel: e.SPUR_LOG_LEVEL,
  };
}

function loadSites(inline: string | undefined, file: string | undefined, cwd: string): SiteConfig[] {
  const fromEnv = inline === undefined ? [] : parseSites('SPUR_SITES', () => JSON.parse(inline));
  const fromFile =
    file === undefined
      ? []
      : parseSites(`SPUR_CONFIG_FILE (${file})`, () => {
          const json = JSON.parse(readFileSync(resolve(cwd, file), 'utf8')) as { sites?: unknown };
          return json.sites ?? [];
        });
  const sites = [...fromFile, ...fromEnv];
  const checked = Sites.safeParse(sites);
  if (!checked.success) throw new ConfigError(['SPUR_SITES / SPUR_CONFIG_FILE: site ids must be unique']);
  if (sites.length === 0) {
    throw new ConfigError(['SPUR_SITES: no site configured; set SPUR_SITES=\'[{"id":"shop","origins":["https://shop.example"]}]\' or SPUR_CONFIG_FILE']);
  }
  return sites;
}

function parseSites(source: string, read: () => unknown): SiteConfig[] {
  let raw: unknown;
  try {
    raw = read();
  } catch (error) {
    throw new ConfigError([`${source}: cannot read JSON: ${(error as Error).message}`]);
  }
  const parsed = z.array(SiteConfig).safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

function parseTrustProxy(value: string): boolean | number | string[] {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `https://Shop.example:443/path` → `https://shop.example`; null when not an http(s) origin. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

function show(value: string | undefined): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/**
 * One core stays with the main thread (HTTP, spool, shipper); the others prepare batches. On a
 * single core a worker would only add hand-over cost, so there is none.
 */
export function autoIngestWorkers(cores = availableParallelism()): number {
  return Math.min(4, Math.max(0, cores - 1));
}
