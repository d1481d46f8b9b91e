export { buildApp, type AppDeps } from './app.js';
export { startCollector, createLogger, type Collector, type StartOptions } from './collector.js';
export { loadConfig, ConfigError, type Config, type SiteConfig } from './config.js';
export { migrate, quoteIdentifier } from './clickhouse/migrate.js';
export { MIGRATIONS } from './clickhouse/schema.js';
export { EVENT_ROW_COLUMNS } from './ingest/event-row.js';
export { NODE_FLAGS } from './runtime.js';
