import { LruCache } from './lru.js';

/**
 * Query parameters that carry credentials or personal data in shop URLs (password resets,
 * newsletter links, OAuth redirects). Always stripped; the collector config can add more.
 */
export const DEFAULT_STRIP_PARAMS: readonly string[] = [
  'email',
  'e-mail',
  'mail',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'jwt',
  'auth',
  'password',
  'pass',
  'pwd',
  'key',
  'apikey',
  'api_key',
  'secret',
  'session',
  'sessionid',
  'sid',
  'otp',
  // OAuth authorization codes; a shop's discount "code" is stripped too, which costs little.
  'code',
];

/**
 * Ad-platform click ids. Their values identify a single click (and so a person) to the ad
 * platform, so they are always stripped; only the name of the one found is kept. Ordered by
 * priority for the rare URL that carries several.
 */
export const CLICK_ID_PARAMS = [
  'gclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'dclid',
  'ttclid',
  'li_fat_id',
  'rdt_cid',
  'sccid',
  'fbclid',
  'twclid',
  'epik',
  'igshid',
] as const;

export type ClickId = '' | (typeof CLICK_ID_PARAMS)[number];

/** UTM values are free text chosen by marketers; longer than this is noise. */
export const MAX_UTM_LENGTH = 200;

export interface UrlParts {
  /**
   * The URL in WHATWG-normalised form, without user info, without stripped parameters, and
   * without its fragment if the fragment carries a stripped parameter (`#access_token=…`);
   * any other fragment (`#reviews`) is kept. '' when the URL is not a parsable http(s) URL.
   */
  readonly url: string;
  /** Lowercase (punycode) host without port; not "www."-stripped. '' when unparsable. */
  readonly hostname: string;
  /** Percent-encoded path, always starting with "/"; '' when unparsable. */
  readonly path: string;
  /** Decoded, trimmed, at most MAX_UTM_LENGTH characters; '' when absent. */
  readonly utm_source: string;
  readonly utm_medium: string;
  readonly utm_campaign: string;
  readonly utm_term: string;
  readonly utm_content: string;
  /** Name (never the value) of the click id parameter present, '' when none. */
  readonly click_id: ClickId;
}

export type UrlCleaner = (raw: string) => UrlParts;

const UNPARSABLE: UrlParts = Object.freeze({
  url: '',
  hostname: '',
  path: '',
  utm_source: '',
  utm_medium: '',
  utm_campaign: '',
  utm_term: '',
  utm_content: '',
  click_id: '',
});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type UtmField = 'utm_source' | 'utm_medium' | 'utm_campaign' | 'utm_term' | 'utm_content';
const UTM_FIELDS: ReadonlySet<string> = new Set<UtmField>(['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content']);

const CLICK_ID_PRIORITY: ReadonlyMap<string, number> = new Map(CLICK_ID_PARAMS.map((name, index) => [name, index]));

const AMPERSAND = 0x26;
const EQUALS = 0x3d;
/** & ? / ; # */
const FRAGMENT_SEPARATORS: ReadonlySet<number> = new Set([0x26, 0x3f, 0x2f, 0x3b, 0x23]);

/** Query-less URLs a cleaner remembers (see createUrlCleaner). */
export const URL_CACHE_SIZE = 1024;

/**
 * Returns a cleaner that strips DEFAULT_STRIP_PARAMS, CLICK_ID_PARAMS and `extraStripParams`
 * (names compared case-insensitively and percent-decoded) from URLs. Never throws.
 */
export function createUrlCleaner(extraStripParams: readonly string[] = []): UrlCleaner {
  const strip = new Set<string>();
  for (const name of [...DEFAULT_STRIP_PARAMS, ...CLICK_ID_PARAMS, ...extraStripParams]) strip.add(name.toLowerCase());
  // A page's events arrive together and share its URL (and its referrer): the last answer is
  // kept, so each run of equal URLs is parsed once. Beyond that, a shop's traffic goes to a few
  // hot pages (home, categories, best-selling products), so the most recent URLs without a query
  // or fragment are kept too. URLs with one are not: the parameters the cleaner strips (tokens,
  // e-mail addresses) must not outlive the request, and click ids make them unique anyway.
  // The parts are read-only and shared.
  const recent = new LruCache<string, UrlParts>(URL_CACHE_SIZE);
  let lastRaw: string | undefined;
  let lastParts: UrlParts = UNPARSABLE;
  return (raw) => {
    if (raw === lastRaw) return lastParts;
    let parts: UrlParts | undefined;
    if (raw.includes('?') || raw.includes('#')) parts = cleanUrl(raw, strip);
    else if ((parts = recent.get(raw)) === undefined) {
      parts = cleanUrl(raw, strip);
      recent.set(raw, parts);
    }
    lastRaw = raw;
    lastParts = parts;
    return parts;
  };
}

function cleanUrl(raw: string, strip: ReadonlySet<string>): UrlParts {
  const parsed = parseUrl(raw);
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return UNPARSABLE;
  const parts: Mutable<UrlParts> = { ...UNPARSABLE, hostname: hostnameOf(parsed), path: parsed.pathname };

  // One pass over "?a=1&b=2", tracking each parameter's first "=": linear for any input.
  const search = parsed.search;
  let query = '';
  let clickIdPriority: number = CLICK_ID_PARAMS.length;
  let start = 1;
  let equals = -1;
  for (let i = 1; i <= search.length; i++) {
    const code = i < search.length ? search.charCodeAt(i) : AMPERSAND;
    if (code === EQUALS && equals === -1) equals = i;
    if (code !== AMPERSAND) continue;
    if (i > start) {
      const name = paramName(search.slice(start, equals === -1 ? i : equals));
      if (!strip.has(name)) query += (query === '' ? '?' : '&') + search.slice(start, i);
      const priority = CLICK_ID_PRIORITY.get(name);
      if (priority !== undefined && priority < clickIdPriority) clickIdPriority = priority;
      if (equals !== -1 && isUtmField(name) && parts[name] === '') parts[name] = utmValue(search.slice(equals + 1, i));
    }
    start = i + 1;
    equals = -1;
  }

  const fragment = fragmentCarriesStripped(parsed.hash, strip) ? '' : parsed.hash;
  parts.url = parsed.origin + parsed.pathname + query + fragment;
  parts.click_id = CLICK_ID_PARAMS[clickIdPriority] ?? '';
  return parts;
}

/** Lowercase host of a referrer URL (any scheme with a host, e.g. android-app://…); '' when none. */
export function referrerHost(referrer: string | undefined): string {
  if (typeof referrer !== 'string' || referrer === '') return '';
  const parsed = parseUrl(referrer);
  return parsed === undefined ? '' : hostnameOf(parsed);
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** "Example.COM." and "example.com" are the same host. */
function hostnameOf(parsed: URL): string {
  const host = parsed.hostname;
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/**
 * A fragment is kept unless it carries a stripped parameter, as OAuth implicit-flow redirects
 * (`#access_token=…`) and hash routers (`#/reset?token=…`) do. Parameters there may be
 * separated by & ? / ; or #, so the whole fragment is dropped rather than edited.
 */
function fragmentCarriesStripped(hash: string, strip: ReadonlySet<string>): boolean {
  if (!hash.includes('=')) return false;
  let nameStart = 1; // -1 while inside a value
  for (let i = 1; i < hash.length; i++) {
    const code = hash.charCodeAt(i);
    if (code === EQUALS) {
      if (nameStart !== -1 && i > nameStart && strip.has(paramName(hash.slice(nameStart, i)))) return true;
      nameStart = -1;
    } else if (FRAGMENT_SEPARATORS.has(code)) {
      nameStart = i + 1;
    }
  }
  return false;
}

function isUtmField(name: string): name is UtmField {
  return UTM_FIELDS.has(name);
}

function paramName(encoded: string): string {
  return decodeQueryComponent(encoded).toLowerCase();
}

function utmValue(encoded: string): string {
  return truncate(decodeQueryComponent(encoded).trim(), MAX_UTM_LENGTH);
}

/** application/x-www-form-urlencoded decoding that keeps malformed escapes as they are. */
function decodeQueryComponent(encoded: string): string {
  const spaced = encoded.includes('+') ? encoded.replaceAll('+', ' ') : encoded;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Cuts at `max` UTF-16 units without leaving half a surrogate pair behind. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
