/**
 * Marketing channel of a visit, modelled on GA4's default channel grouping. Lists are sets of
 * registrable-domain labels ("google" for www.google.co.uk), so matching is a Set lookup.
 */

export type Channel =
  | 'direct'
  | 'internal'
  | 'organic_search'
  | 'paid_search'
  | 'organic_social'
  | 'paid_social'
  | 'email'
  | 'display'
  | 'affiliate'
  | 'referral'
  | 'other_campaign';

export interface ChannelInput {
  utm_source: string;
  utm_medium: string;
  /** A click id name from url.ts (`UrlParts.click_id`), '' when none. */
  click_id: string;
  /** Host of the referrer, '' when none (`referrerHost()`). */
  referrer_host: string;
  /** Host of the page the event happened on. */
  page_host: string;
  /** Further hosts of the shop (and their subdomains) whose referrals count as internal. */
  internalHosts?: readonly string[];
}

type SiteKind = 'search' | 'social' | 'email';

const SEARCH_ENGINES = [
  'google', 'bing', 'duckduckgo', 'yahoo', 'ecosia', 'qwant', 'yandex', 'ya', 'baidu', 'startpage',
  'brave', 'naver', 'seznam', 'sogou', 'daum', 'ask', 'aol', 'kagi', 'mojeek', 'metager', 'ixquick',
];
const SOCIAL_NETWORKS = [
  'facebook', 'fb', 'instagram', 'ig', 'twitter', 'x', 't', 'linkedin', 'lnkd', 'pinterest', 'pin',
  'tiktok', 'reddit', 'youtube', 'youtu', 'whatsapp', 'wa', 'xing', 'snapchat', 'threads', 'tumblr',
  'vk', 'telegram', 'discord', 'bsky', 'mastodon', 'quora', 'weibo', 'vimeo', 'twitch', 'messenger',
  'line',
];
/** utm_source / utm_medium values that GA4 reads as e-mail, plus the common "newsletter". */
const EMAIL_NAMES = ['email', 'e-mail', 'e_mail', 'e mail', 'newsletter'];

const SITE_KINDS: ReadonlyMap<string, SiteKind> = new Map<string, SiteKind>([
  ...SEARCH_ENGINES.map((label) => [label, 'search'] as const),
  ...SOCIAL_NETWORKS.map((label) => [label, 'social'] as const),
  ...EMAIL_NAMES.map((label) => [label, 'email'] as const),
]);

/** Web mail sits on hosts like mail.google.com, which would otherwise count as search. */
const WEBMAIL_FIRST_LABELS: ReadonlySet<string> = new Set(['mail', 'webmail', 'email', 'outlook']);

/** Android apps refer as android-app://<package>/. */
const APP_REFERRERS: ReadonlyMap<string, SiteKind> = new Map<string, SiteKind>([
  ['com.google.android.googlequicksearchbox', 'search'],
  ['com.google.android.gm', 'email'],
  ['com.facebook.katana', 'social'],
  ['com.instagram.android', 'social'],
  ['com.linkedin.android', 'social'],
  ['com.twitter.android', 'social'],
  ['com.pinterest', 'social'],
  ['com.reddit.frontpage', 'social'],
  ['com.zhiliaoapp.musically', 'social'],
]);

/** Click ids that ad platforms append only to ad clicks, so they name the channel outright. */
const PAID_CLICK_IDS: ReadonlyMap<string, Channel> = new Map<string, Channel>([
  ['gclid', 'paid_search'],
  ['gbraid', 'paid_search'],
  ['wbraid', 'paid_search'],
  ['msclkid', 'paid_search'],
  ['yclid', 'paid_search'],
  ['dclid', 'display'],
  ['ttclid', 'paid_social'],
  ['li_fat_id', 'paid_social'],
  ['rdt_cid', 'paid_social'],
  ['sccid', 'paid_social'],
]);
/** Appended to organic and paid links alike: they say "social", not "paid". */
const SOCIAL_CLICK_IDS: ReadonlySet<string> = new Set(['fbclid', 'igshid', 'twclid', 'epik']);

const DISPLAY_MEDIA: ReadonlySet<string> = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const SOCIAL_MEDIA: ReadonlySet<string> = new Set(['social', 'social-network', 'social-media', 'sm', 'social network', 'social media']);
const REFERRAL_MEDIA: ReadonlySet<string> = new Set(['referral', 'app', 'link']);
const AFFILIATE_MEDIA: ReadonlySet<string> = new Set(['affiliate', 'affiliates']);
const EMAIL_MEDIA: ReadonlySet<string> = new Set(EMAIL_NAMES);

/** Second-level labels under which ccTLDs sell domains: example.co.uk, example.com.au. */
const SECOND_LEVEL_LABELS: ReadonlySet<string> = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'ltd', 'plc']);

const ORGANIC_CHANNEL: Readonly<Record<SiteKind, Channel>> = {
  search: 'organic_search',
  social: 'organic_social',
  email: 'email',
};

/**
 * Order: ad click ids (auto-tagging wins over UTM, as in GA4), then UTM parameters, then the
 * referrer. Unlike GA4, an explicit e-mail medium wins over a social or search utm_source.
 * Computed per event: internal navigation yields 'internal', so a session's channel is that
 * of its first event.
 */
export function classifyChannel(input: ChannelInput): Channel {
  const paidByClickId = PAID_CLICK_IDS.get(input.click_id);
  if (paidByClickId !== undefined) return paidByClickId;

  const socialClick = SOCIAL_CLICK_IDS.has(input.click_id);
  const source = input.utm_source.trim().toLowerCase();
  const medium = input.utm_medium.trim().toLowerCase();
  const referrer = input.referrer_host.toLowerCase();
  if (source !== '' || medium !== '') {
    const kind = source !== '' ? SITE_KINDS.get(siteLabel(source)) : referrerKind(referrer);
    return campaignChannel(medium, kind, socialClick);
  }

  if (socialClick) return 'organic_social';
  if (referrer === '') return 'direct';
  if (isInternal(referrer, input.page_host.toLowerCase(), input.internalHosts)) return 'internal';
  const kind = referrerKind(referrer);
  return kind === undefined ? 'referral' : ORGANIC_CHANNEL[kind];
}

function campaignChannel(medium: string, kind: SiteKind | undefined, socialClick: boolean): Channel {
  const social = kind === 'social' || socialClick;
  // GA4's paid medium: ^(.*cp.*|ppc|retargeting|paid.*)$
  const paid = medium.includes('cp') || medium === 'ppc' || medium === 'retargeting' || medium.startsWith('paid');
  if (paid && kind === 'search') return 'paid_search';
  if (paid && social) return 'paid_social';
  if (DISPLAY_MEDIA.has(medium)) return 'display';
  if (paid) return 'other_campaign';
  if (EMAIL_MEDIA.has(medium)) return 'email';
  if (AFFILIATE_MEDIA.has(medium)) return 'affiliate';
  if (SOCIAL_MEDIA.has(medium)) return 'organic_social';
  if (medium === 'organic') return 'organic_search';
  if (REFERRAL_MEDIA.has(medium)) return 'referral';
  if (social) return 'organic_social';
  if (kind !== undefined) return ORGANIC_CHANNEL[kind];
  return 'other_campaign';
}

function referrerKind(host: string): SiteKind | undefined {
  if (host === '') return undefined;
  const app = APP_REFERRERS.get(host);
  if (app !== undefined) return app;
  const firstDot = host.indexOf('.');
  if (firstDot > 0 && WEBMAIL_FIRST_LABELS.has(host.slice(0, firstDot))) return 'email';
  return SITE_KINDS.get(siteLabel(host));
}

/** Same host, a configured internal host or its subdomain, or the same registrable domain. */
function isInternal(referrer: string, page: string, internalHosts: readonly string[] = []): boolean {
  if (referrer === page) return true;
  for (const host of internalHosts) {
    if (isSameOrSubdomain(referrer, host.toLowerCase())) return true;
  }
  return page !== '' && registrableDomain(referrer) === registrableDomain(page);
}

function isSameOrSubdomain(host: string, parent: string): boolean {
  if (parent === '' || !host.endsWith(parent)) return false;
  return host.length === parent.length || host.charCodeAt(host.length - parent.length - 1) === 0x2e; // "."
}

/** "shop.example.co.uk" → "example.co.uk"; a heuristic standing in for the public suffix list. */
function registrableDomain(host: string): string {
  return host.slice(registrableStart(host));
}

/** "www.google.co.uk" → "google"; "facebook" → "facebook". */
function siteLabel(host: string): string {
  const start = registrableStart(host);
  const end = host.indexOf('.', start);
  return end === -1 ? host.slice(start) : host.slice(start, end);
}

function registrableStart(host: string): number {
  const last = host.lastIndexOf('.');
  if (last <= 0) return 0;
  const second = host.lastIndexOf('.', last - 1);
  if (second === -1) return 0;
  const underCountryCode = host.length - last - 1 === 2 && SECOND_LEVEL_LABELS.has(host.slice(second + 1, last));
  return underCountryCode ? host.lastIndexOf('.', second - 1) + 1 : second + 1;
}
