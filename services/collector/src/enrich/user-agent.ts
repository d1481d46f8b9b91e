import { getParser } from 'bowser';
import { isbot } from 'isbot';
import { LruCache } from './lru.js';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'tv' | 'console' | 'bot' | 'unknown';

export interface UserAgentInfo {
  /** Browser name as bowser spells it ("Chrome", "Safari", "Microsoft Edge"…); '' when unknown. */
  readonly browser: string;
  /** Major version only ("124"); '' when unknown. */
  readonly browser_version: string;
  /** OS name without version ("Windows", "macOS", "iOS", "Android"…); '' when unknown. */
  readonly os: string;
  readonly device: DeviceType;
  readonly is_bot: boolean;
}

/** User agents repeat heavily, so a few thousand entries turn nearly every call into a Map hit. */
const CACHE_SIZE = 5_000;
/**
 * Real user agents are well under this. Parsing cost grows with length (bowser runs dozens
 * of regexes), so only this much of a longer, hostile UA is parsed and used as cache key.
 */
const MAX_PARSED_LENGTH = 512;
/** Bowser's generic fallback copies a name out of the UA itself; keep that bounded. */
const MAX_NAME_LENGTH = 64;
const MAX_MAJOR_VERSION_DIGITS = 6;
/** Bowser calls these "tv" or misses them; their UAs name them plainly. */
const CONSOLE_MARKERS = ['PlayStation', 'Xbox', 'Nintendo'] as const;

const cache = new LruCache<string, UserAgentInfo>(CACHE_SIZE);

/** Real browsers always send a user agent, so an empty one is counted as a bot. */
const EMPTY_USER_AGENT: UserAgentInfo = Object.freeze({
  browser: '',
  browser_version: '',
  os: '',
  device: 'bot',
  is_bot: true,
});

/**
 * Browser, OS, device class and bot flag of a User-Agent header, judged on its first 512
 * characters. Never throws. The returned object is shared between callers (frozen): copy
 * the fields, do not mutate it.
 */
export function parseUserAgent(ua: string): UserAgentInfo {
  if (typeof ua !== 'string' || ua === '') return EMPTY_USER_AGENT;
  const parsed = ua.length > MAX_PARSED_LENGTH ? ua.slice(0, MAX_PARSED_LENGTH) : ua;
  let info = cache.get(parsed);
  if (info === undefined) {
    info = parseUncached(parsed);
    cache.set(parsed, info);
  }
  return info;
}

function parseUncached(ua: string): UserAgentInfo {
  let browser = '';
  let version = '';
  let os = '';
  let platform = '';
  try {
    // Lazy parser: the getters below run only the browser, OS and platform passes (no engine).
    const parser = getParser(ua, true);
    browser = parser.getBrowserName();
    version = parser.getBrowserVersion() ?? '';
    os = parser.getOSName();
    platform = parser.getPlatformType();
  } catch {
    // Bowser throws only on an empty UA, handled above; an unknown UA still must not fail an event.
  }
  const is_bot = platform === 'bot' || isbot(ua);
  return Object.freeze({
    browser: browser.slice(0, MAX_NAME_LENGTH),
    browser_version: majorVersion(version),
    os: os.slice(0, MAX_NAME_LENGTH),
    device: is_bot ? 'bot' : deviceType(ua, platform, os),
    is_bot,
  });
}

function deviceType(ua: string, platform: string, os: string): DeviceType {
  for (const marker of CONSOLE_MARKERS) if (ua.includes(marker)) return 'console';
  switch (platform) {
    case 'desktop':
    case 'mobile':
    case 'tablet':
    case 'tv':
      return platform;
    default:
      // Bowser leaves Chromebooks without a platform.
      return os === 'Chrome OS' ? 'desktop' : 'unknown';
  }
}

/** "124.0.6367.82" → "124"; anything not starting with a digit → ''. */
function majorVersion(version: string): string {
  let end = 0;
  while (end < version.length && end < MAX_MAJOR_VERSION_DIGITS) {
    const code = version.charCodeAt(end);
    if (code < 48 || code > 57) break;
    end++;
  }
  return version.slice(0, end);
}
