import type { Event } from '@spur/protocol';
import { classifyChannel, correctTimestamp, createUrlCleaner, parseUserAgent, referrerHost, visitorId, type SaltStore } from '../enrich/index.js';
import type { EventFacts, RequestFacts } from './event-row.js';

// Enrichment in two parts, split by what they need:
// - EventEnricher: a pure function of the event and the request's clocks (URL cleaning, UTM,
//   referrer, the event's own channel, skew correction). It holds no state, so it runs in the
//   ingest workers, next to validation.
// - ClientEnricher: what depends on the sender (user agent, daily-salted visitor id). It needs
//   the current salt, so it runs where the SaltStore lives: the main thread. Sessions are
//   assigned there too (complete-batch.ts): one SessionTracker sees every event.

export interface EventEnricherOptions {
  stripParams: readonly string[];
  maxEventAgeMs: number;
}

export class EventEnricher {
  // One cleaner each for pages and referrers: each remembers its last and its recent URLs (see createUrlCleaner).
  private readonly cleanPage: ReturnType<typeof createUrlCleaner>;
  private readonly cleanReferrer: ReturnType<typeof createUrlCleaner>;

  constructor(private readonly options: EventEnricherOptions) {
    this.cleanPage = createUrlCleaner(options.stripParams);
    this.cleanReferrer = createUrlCleaner(options.stripParams);
  }

  event(event: Event, sentAt: number, receivedAt: number, userId: string): EventFacts {
    const ts = correctTimestamp(event.ts, sentAt, receivedAt, this.options.maxEventAgeMs);
    const page = this.cleanPage(event.url);
    const referrer = event.referrer ? this.cleanReferrer(event.referrer) : undefined;
    const refHost = referrer ? referrer.hostname || referrerHost(event.referrer) : '';
    const channel = classifyChannel({
      utm_source: page.utm_source,
      utm_medium: page.utm_medium,
      click_id: page.click_id,
      referrer_host: refHost,
      page_host: page.hostname,
    });
    return {
      ts,
      channel,
      userId,
      url: page.url,
      hostname: page.hostname,
      path: page.path,
      referrer: referrer ? referrer.url : '',
      referrerHost: refHost,
      utmSource: page.utm_source,
      utmMedium: page.utm_medium,
      utmCampaign: page.utm_campaign,
      utmTerm: page.utm_term,
      utmContent: page.utm_content,
      clickId: page.click_id,
    };
  }
}

export interface ClientInput {
  siteId: string;
  sentAt: number;
  receivedAt: number;
  /** Never stored or logged: only hashed into the visitor id. */
  ip: string;
  userAgent: string;
  sdk: string;
}

/** The columns that come from who sent the events: once per sender, not per event. */
export class ClientEnricher {
  constructor(private readonly salts: Pick<SaltStore, 'saltFor'>) {}

  request(input: ClientInput): RequestFacts {
    const ua = parseUserAgent(input.userAgent);
    return {
      siteId: input.siteId,
      sentAt: input.sentAt,
      receivedAt: input.receivedAt,
      visitorId: visitorId(this.salts.saltFor(input.receivedAt), input.siteId, input.ip, input.userAgent),
      browser: ua.browser,
      browserVersion: ua.browser_version,
      os: ua.os,
      device: ua.device,
      isBot: ua.is_bot,
      sdk: input.sdk,
    };
  }
}
