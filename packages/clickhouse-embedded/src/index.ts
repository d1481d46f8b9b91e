export { startClickHouse, type EmbeddedClickHouse, type EmbeddedClickHouseOptions, type ExitStatus } from './server.js';
export { findFreePort } from './ports.js';
export { libchdbPath } from './libchdb.js';
