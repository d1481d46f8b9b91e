export * from './limits.js';
export * from './schema.js';
export * from './validate.js';
export type * from './responses.js';
