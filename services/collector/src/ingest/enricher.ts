import type { Event } from '@spur/protocol';
import {
  classifyChannel,
  correctTimestamp,
  createUrlCleaner,
  parseUserAgent,
  referrerHost,
  visitorId,
  type SaltStore,
  type SessionTracker,
} from '../enrich/index.js';
import type { EventFacts, RequestFacts } from './event-row.js';

export interface EnricherOptions {
  salts: Pick<SaltStore, 'saltFor'>;
  sessions: SessionTracker;
  stripParams: readonly string[];
  maxEventAgeMs: number;
}

export interface RequestInput {
  siteId: string;
  sentAt: number;
  receivedAt: number;
  /** Never stored or logged: only hashed into the visitor id. */
  ip: string;
  userAgent: string;
  sdk: string;
}

/** Turns what a request tells us into the columns spur.events stores. */
export class Enricher {
  private readonly cleanUrl: ReturnType<typeof createUrlCleaner>;

  constructor(private readonly options: EnricherOptions) {
    this.cleanUrl = createUrlCleaner(options.stripParams);
  }

  /** Once per request: a batch shares its sender's IP and user agent. */
  request(input: RequestInput): RequestFacts {
    const ua = parseUserAgent(input.userAgent);
    const salt = this.options.salts.saltFor(input.receivedAt);
    return {
      siteId: input.siteId,
      sentAt: input.sentAt,
      receivedAt: input.receivedAt,
      visitorId: visitorId(salt, input.siteId, input.ip, input.userAgent),
      browser: ua.browser,
      browserVersion: ua.browser_version,
      os: ua.os,
      device: ua.device,
      isBot: ua.is_bot,
      sdk: input.sdk,
    };
  }

  event(event: Event, request: RequestFacts, userId: string): EventFacts {
    const ts = correctTimestamp(event.ts, request.sentAt, request.receivedAt, this.options.maxEventAgeMs);
    const page = this.cleanUrl(event.url);
    const referrer = event.referrer ? this.cleanUrl(event.referrer) : undefined;
    const refHost = referrer ? referrer.hostname || referrerHost(event.referrer) : '';
    const own = classifyChannel({
      utm_source: page.utm_source,
      utm_medium: page.utm_medium,
      click_id: page.click_id,
      referrer_host: refHost,
      page_host: page.hostname,
    });
    const session = this.options.sessions.assign(request.visitorId, ts, own);
    return {
      ts,
      sessionId: session.id,
      userId,
      url: page.url,
      hostname: page.hostname,
      path: page.path,
      referrer: referrer ? referrer.url : '',
      referrerHost: refHost,
      channel: session.channel,
      utmSource: page.utm_source,
      utmMedium: page.utm_medium,
      utmCampaign: page.utm_campaign,
      utmTerm: page.utm_term,
      utmContent: page.utm_content,
      clickId: page.click_id,
    };
  }
}
