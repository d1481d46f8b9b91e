import { timingSafeEqual, createHash } from 'node:crypto';
import { ERROR_CODES } from '@spur/protocol';
import type { SiteConfig } from './config.js';
import { HttpError } from './errors.js';

export type Sender = 'browser' | 'server';

interface Site {
  config: SiteConfig;
  origins: Set<string>;
  keyDigest: Buffer | undefined;
}

/** The configured sites, and who may send for each. */
export class SiteRegistry {
  private readonly sites = new Map<string, Site>();
  private readonly anyOrigin = new Set<string>();

  constructor(configs: readonly SiteConfig[]) {
    for (const config of configs) {
      const origins = new Set(config.origins);
      for (const origin of origins) this.anyOrigin.add(origin);
      this.sites.set(config.id, { config, origins, keyDigest: config.serverKey ? digest(config.serverKey) : undefined });
    }
  }

  get(id: string): SiteConfig | undefined {
    return this.sites.get(id)?.config;
  }

  /** For CORS preflights, which do not say which site they are for. */
  isKnownOrigin(origin: string): boolean {
    return this.anyOrigin.has(origin);
  }

  isAllowedOrigin(siteId: string, origin: string): boolean {
    return this.sites.get(siteId)?.origins.has(origin) ?? false;
  }

  /**
   * A request with the site's server key is a back end's; one with an allowed Origin is a
   * browser's. Anything else is refused: requests without an Origin must carry the key.
   */
  authorize(siteId: string, origin: string | undefined, authorization: string | undefined): Sender {
    const site = this.sites.get(siteId);
    if (!site) throw new HttpError(403, ERROR_CODES.unknownSite, `site "${siteId}" is not configured on this collector`);
    if (authorization !== undefined) {
      const key = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
      if (site.keyDigest && key && timingSafeEqual(digest(key), site.keyDigest)) return 'server';
      throw new HttpError(403, ERROR_CODES.invalidServerKey, `the Authorization header does not carry site "${siteId}"'s server key`);
    }
    if (origin !== undefined && site.origins.has(origin)) return 'browser';
    if (origin === undefined) {
      throw new HttpError(403, ERROR_CODES.originNotAllowed, 'requests without an Origin header must carry the site\'s server key (Authorization: Bearer …)');
    }
    throw new HttpError(403, ERROR_CODES.originNotAllowed, `origin ${origin} may not send events for site "${siteId}"`);
  }
}

// Comparing fixed-length digests keeps timingSafeEqual from leaking the key's length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
