#!/usr/bin/env node
import { createClient } from '@clickhouse/client';
import { migrate } from './clickhouse/migrate.js';
import { startCollector, createLogger } from './collector.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { heapLimitWarning } from './runtime.js';

// `spur-collector`          runs the collector (applies migrations first unless SPUR_MIGRATE=false)
// `spur-collector migrate`  applies the ClickHouse migrations and exits

const HARD_EXIT_MS = 10_000;

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log('usage: spur-collector [serve|migrate]\nConfiguration comes from environment variables; see docs/configuration.md.');
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`spur-collector: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (command === 'migrate') return runMigrate(config);
  if (command !== 'serve') {
    console.error(`spur-collector: unknown command "${command}"; use serve or migrate`);
    process.exit(2);
  }

  const logger = createLogger(config.logLevel);
  const heapWarning = heapLimitWarning();
  if (heapWarning) logger.warn(heapWarning);
  const collector = await startCollector(config, { logger }).catch((error: unknown) => {
    logger.fatal({ err: String(error) }, 'collector could not start');
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new batches, flushing what is buffered');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting (acknowledged events are safe in the spool)');
      process.exit(1);
    }, HARD_EXIT_MS).unref();
    collector.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: String(error) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function runMigrate(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const client = createClient({ url: config.clickhouse.url, username: config.clickhouse.username, password: config.clickhouse.password });
  try {
    const result = await migrate(client, { database: config.clickhouse.database, retentionDays: config.retentionDays, log: logger });
    logger.info({ database: config.clickhouse.database, schemaVersion: result.current, applied: result.applied }, 'migrations done');
  } finally {
    await client.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`spur-collector: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
