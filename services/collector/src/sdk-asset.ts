import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES } from '@spur/protocol';

/**
 * The browser SDK served at /sdk.js: read once at start, with a content hash as ETag.
 * `/sdk.js?v=<etag>` (the URL the docs recommend for versioned embeds) is cacheable for a
 * year; the plain URL for five minutes, so a shop picks up a new SDK quickly.
 */
export class SdkAsset {
  private constructor(
    private readonly body: Buffer | undefined,
    private readonly gzipped: Buffer | undefined,
    readonly etag: string,
    readonly error: string | undefined,
  ) {}

  static load(path = resolveSdkPath()): SdkAsset {
    try {
      const body = readFileSync(path);
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
      return new SdkAsset(body, gzipSync(body, { level: 9 }), hash, undefined);
    } catch (error) {
      return new SdkAsset(undefined, undefined, '', `the browser SDK is not built (${(error as Error).message}); run pnpm build`);
    }
  }

  serve(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (!this.body || !this.gzipped) return reply.code(503).send({ code: ERROR_CODES.overloaded, message: this.error });
    const quoted = `"${this.etag}"`;
    const versioned = (request.query as { v?: string }).v === this.etag;
    reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('etag', quoted)
      .header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
      .header('vary', 'Accept-Encoding')
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === quoted) return reply.code(304).send();
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(this.gzipped);
    return reply.send(this.body);
  }
}

function resolveSdkPath(): string {
  return createRequire(import.meta.url).resolve('@spur/sdk/sdk.js');
}
