export { Spool, type SpoolChunk, type SpoolOptions, type SpoolStats } from './spool.js';
export { SpoolClosedError, SpoolFullError, SpoolWriteError } from './errors.js';
export type { CorruptRegion, RecoveryReport } from './recovery.js';
