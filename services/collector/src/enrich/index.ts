// Enrichment on the collector's hot path: each piece is pure or bounded, and never throws on
// what a client sends.
export { type Channel, type ChannelInput, classifyChannel } from './channel.js';
export { SaltStore, type SaltStoreLogger, type SaltStoreOptions } from './salts.js';
export { type SessionAssignment, type SessionSeed, SessionTracker, type SessionTrackerOptions } from './sessions.js';
export { correctTimestamp, DEFAULT_MAX_EVENT_AGE_MS } from './skew.js';
export {
  CLICK_ID_PARAMS,
  type ClickId,
  createUrlCleaner,
  DEFAULT_STRIP_PARAMS,
  MAX_UTM_LENGTH,
  referrerHost,
  type UrlCleaner,
  type UrlParts,
} from './url.js';
export { type DeviceType, parseUserAgent, type UserAgentInfo } from './user-agent.js';
export { dayNumber, visitorId } from './visitor-id.js';
