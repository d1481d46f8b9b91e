import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp } from './app.js';
import { migrate, quoteIdentifier } from './clickhouse/migrate.js';
import type { Config } from './config.js';
import { SaltStore, SessionTracker } from './enrich/index.js';
import { createPreparer } from './ingest/batch-preparer.js';
import { ClientEnricher } from './ingest/enricher.js';
import { createMetrics, type Metrics } from './metrics.js';
import { DurableWriter } from './pipeline/durable-writer.js';
import { Shipper } from './pipeline/shipper.js';
import { SdkAsset } from './sdk-asset.js';
import { SiteRegistry } from './sites.js';
import { Spool } from './spool/index.js';

export interface Collector {
  app: FastifyInstance;
  /** Base URL the collector listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  metrics: Metrics;
  clickhouse: ClickHouseClient;
  /** Stops accepting, ships or spools what is buffered, closes everything. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** For tests that restart "the next day". */
  now?: () => number;
}

/** Everything a running collector needs, started in dependency order and stopped in reverse. */
export async function startCollector(config: Config, options: StartOptions = {}): Promise<Collector> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clickhouse = createClient({
    url: config.clickhouse.url,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    request_timeout: 30_000,
    max_open_connections: 8,
    clickhouse_settings: { date_time_input_format: 'basic' },
    // The shipper reports ClickHouse failures itself, as JSON and rate-limited.
    log: { level: ClickHouseLogLevel.OFF },
  });
  const metrics = createMetrics();
  const cleanups: Array<() => Promise<void> | void> = [() => clickhouse.close()];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((err) => logger.warn({ err: String(err) }, 'cleanup failed'));
  };

  try {
    // The ingest workers load and compile while the schema and the spool are set up.
    const preparer = createPreparer({ sites: config.sites, stripParams: config.stripParams, maxEventAgeMs: config.maxEventAgeMs }, config.ingestWorkers, logger);
    cleanups.push(() => preparer.close());
    if (config.migrate) {
      const result = await migrate(clickhouse, { database: config.clickhouse.database, retentionDays: config.retentionDays, log: logger });
      logger.info({ database: config.clickhouse.database, schemaVersion: result.current, applied: result.applied }, 'schema up to date');
    }
    const salts = new SaltStore({ client: clickhouse, database: config.clickhouse.database, log: logger, ...(options.now ? { now: options.now } : {}) });
    await salts.start();
    cleanups.push(() => salts.stop());

    const sessions = new SessionTracker();
    await warmSessions(clickhouse, config.clickhouse.database, sessions, logger);

    const spool = await Spool.open({
      dir: config.spool.dir,
      maxBytes: config.spool.maxBytes,
      observeCommit: (records, seconds) => {
        metrics.spoolCommitSeconds.observe(seconds);
        metrics.spoolCommitRecords.observe(records);
      },
    });
    const { truncatedBytes, corrupt, invalidCursor } = spool.recovery;
    if (truncatedBytes > 0 || corrupt.length > 0 || invalidCursor) {
      logger.warn({ truncatedBytes, corrupt, invalidCursor }, 'spool recovered from damage: a torn tail was cut off and/or corrupt regions were skipped');
    }
    if (spool.pendingRecords > 0) logger.info({ records: spool.pendingRecords, bytes: spool.pendingBytes }, 'replaying events a previous run left in the spool');
    cleanups.push(() => spool.close());

    const shipper = new Shipper({
      client: clickhouse,
      database: config.clickhouse.database,
      spool,
      metrics,
      flushIntervalMs: config.flushIntervalMs,
      insertMaxBytes: config.insertMaxBytes,
      deadLetterDir: join(config.spool.dir, 'dead-letter'),
      log: logger,
    });
    shipper.start();
    cleanups.push(() => shipper.stop(Math.max(0, config.shutdownTimeoutMs - 1500)));

    const writer = new DurableWriter(spool, config.maxPendingBytes, metrics);
    const sdk = SdkAsset.load();
    if (sdk.error) logger.warn(sdk.error);
    let stopping = false;
    // Listening means batches are prepared at full speed from the first one.
    const { heapLimitMb } = await preparer.started();
    if (heapLimitMb.length > 0) logger.info({ workers: heapLimitMb.length, heapLimitMb }, 'ingest workers ready');

    const app = await buildApp({
      config,
      logger,
      sites: new SiteRegistry(config.sites),
      preparer,
      clients: new ClientEnricher(salts),
      sessions,
      writer,
      metrics,
      sdk,
      ready: async () => {
        const ping = await clickhouse.ping();
        // Batches go to ready workers first, so one is enough to serve while another is replaced.
        const threads = preparer.threads;
        const preparing = threads.total === 0 || threads.ready > 0;
        return {
          ready: ping.success && preparing && !stopping,
          checks: { clickhouse: ping.success, ingestWorkers: threads.total === 0 ? 'off' : `${threads.ready} of ${threads.total} ready`, shipping: shipper.healthy, stopping, spoolPendingBytes: String(spool.pendingBytes) },
        };
      },
      beforeMetrics: () => shipper.updateGauges(),
    });
    // The HTTP server closes first (no new batches), then the rest in reverse start order.
    cleanups.push(async () => {
      stopping = true;
      writer.stopAccepting();
      await app.close();
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, sites: config.sites.map((s) => s.id), clickhouse: config.clickhouse.url }, 'collector listening');

    let stopped: Promise<void> | undefined;
    return { app, url, metrics, clickhouse, stop: () => (stopped ??= cleanup()) };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** A restart should not split the sessions of visitors who are still browsing. */
async function warmSessions(client: ClickHouseClient, database: string, sessions: SessionTracker, logger: Logger): Promise<void> {
  try {
    const result = await client.query({
      query: `SELECT toString(visitor_id) AS visitor_id, toString(argMax(session_id, ts)) AS session_id,
                     toUnixTimestamp64Milli(max(ts)) AS last_ts, argMin(channel, ts) AS channel
              FROM ${quoteIdentifier(database)}.events
              WHERE ts > now64(3) - INTERVAL 30 MINUTE
              GROUP BY visitor_id`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ visitor_id: string; session_id: string; last_ts: string; channel: string }>();
    sessions.warm(rows.map((r) => ({ visitor_id: r.visitor_id, session_id: r.session_id, last_ts: Number(r.last_ts), channel: r.channel })));
    if (rows.length > 0) logger.info({ sessions: rows.length }, 'continued open sessions from ClickHouse');
  } catch (error) {
    logger.warn({ err: String(error) }, 'could not load open sessions; visitors active right now start new sessions');
  }
}

/** JSON logs; requests are identified by id, never by client address. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'spur-collector' },
    redact: { paths: ['req.headers.authorization', 'req.remoteAddress', 'req.ip', 'ip'], remove: true },
  });
}
