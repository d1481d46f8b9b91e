export { buildApp, type AppDeps } from './app.js';
export { startCollector, createLogger, type Collector, type StartOptions } from './collector.js';
export { loadConfig, ConfigError, type Config, type SiteConfig } from './config.js';
export { migrate, quoteIdentifier } from './clickhouse/migrate.js';
export { MIGRATIONS } from './clickhouse/schema.js';
export { NODE_FLAGS } from './runtime.js';
