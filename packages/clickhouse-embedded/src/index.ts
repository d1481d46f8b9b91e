export { NICE_NEXT_TO_COLLECTOR, startClickHouse, type EmbeddedClickHouse, type EmbeddedClickHouseOptions, type ExitStatus } from './server.js';
export { findFreePort } from './ports.js';
export { libchdbPath } from './libchdb.js';
