import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';
import { BATCH_PATH, ERROR_CODES, LIMITS } from '@spur/protocol';
import type { Config } from './config.js';
import { HttpError, overloaded } from './errors.js';
import type { SessionTracker } from './enrich/index.js';
import type { BatchPreparer } from './ingest/batch-preparer.js';
import { completeBatch } from './ingest/complete-batch.js';
import { DeliveryTracker } from './ingest/delivery.js';
import type { ClientEnricher } from './ingest/enricher.js';
import type { Metrics } from './metrics.js';
import type { DurableWriter } from './pipeline/durable-writer.js';
import { TokenBuckets } from './rate-limit.js';
import type { SdkAsset } from './sdk-asset.js';
import type { SiteRegistry } from './sites.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  sites: SiteRegistry;
  /** Decodes, validates and enriches batches (on ingest worker threads unless configured off). */
  preparer: BatchPreparer;
  clients: ClientEnricher;
  sessions: SessionTracker;
  writer: DurableWriter;
  metrics: Metrics;
  sdk: SdkAsset;
  /** Readiness: ClickHouse reachable, schema in place, not shutting down. */
  ready: () => Promise<{ ready: boolean; checks: Record<string, boolean | string> }>;
  /** Called before /metrics renders, to refresh gauges that are read, not counted. */
  beforeMetrics?: () => void;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, metrics, sites } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Requests are logged once, at debug level, by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: LIMITS.maxBodyBytes,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // Bodies are read raw: the batch route decompresses and parses them itself, within bounds.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: LIMITS.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, path: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });
  app.setErrorHandler((error, request, reply) => sendError(error as FastifyError, request, reply, metrics));
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ code: ERROR_CODES.notFound, message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => {
      metrics.rateLimited.inc({ scope: 'ip' });
      return new HttpError(429, ERROR_CODES.rateLimited, `too many requests from this address; retry after ${Math.ceil(context.ttl / 1000)} s`, undefined, {
        'retry-after': String(Math.ceil(context.ttl / 1000)),
      });
    },
  });

  // Load shedding: past this many batches in progress, refuse new ones before reading their
  // bodies, so memory and latency stay bounded under overload instead of queueing.
  let inflight = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== BATCH_PATH) return;
    if (inflight >= config.maxInflight) throw overloaded(1, 'the collector is at its concurrency bound');
    inflight++;
    // 'close' fires exactly once per response, whether it finished or the client went away.
    reply.raw.once('close', () => inflight--);
  });

  const delivery = new DeliveryTracker();
  const siteBuckets = config.rateLimitPerSite > 0 ? new TokenBuckets(config.rateLimitPerSite) : undefined;

  // CORS per site. A preflight does not say which site it is for, so it is answered for any
  // configured origin; the POST itself is then checked against its site's own origins.
  app.options(BATCH_PATH, async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !sites.isKnownOrigin(origin)) {
      throw new HttpError(403, ERROR_CODES.originNotAllowed, `origin ${origin ?? '(none)'} is not configured for any site`);
    }
    return reply
      .code(204)
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'content-type, content-encoding')
      .header('access-control-max-age', '86400')
      .header('vary', 'Origin')
      .send();
  });

  app.post(
    BATCH_PATH,
    {
      config: config.rateLimitPerIp > 0 ? { rateLimit: { max: config.rateLimitPerIp, timeWindow: 60_000 } } : {},
      // Every answer of this route, shed and refused ones included (route hooks follow the global ones).
      onResponse: async (_request, reply) => metrics.batchRequestSeconds.observe(reply.elapsedTime / 1000),
    },
    async (request, reply) => {
      const receivedAt = Date.now();
      const origin = request.headers.origin;
      reply.header('vary', 'Origin');
      const batch = await deps.preparer.prepare({
        body: request.body as Buffer,
        contentEncoding: request.headers['content-encoding'],
        origin,
        authorization: request.headers.authorization,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
        receivedAt,
        requestId: request.id,
      });
      if (origin && batch.sender === 'browser') {
        reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', 'retry-after, x-request-id');
      }
      if (siteBuckets && !siteBuckets.take(batch.siteId, batch.response.accepted)) {
        metrics.rateLimited.inc({ scope: 'site' });
        throw new HttpError(429, ERROR_CODES.rateLimited, `site "${batch.siteId}" is over its event rate; retry after 1 s`, undefined, { 'retry-after': '1' });
      }

      const eventsRecord = completeBatch(batch, { clients: deps.clients, sessions: deps.sessions, delivery });
      const started = performance.now();
      await deps.writer.write(eventsRecord, batch.rejectedRows);
      metrics.ackSeconds.observe((performance.now() - started) / 1000);

      const { accepted, rejected } = batch.response;
      if (accepted > 0) metrics.eventsAccepted.inc({ site: batch.siteId }, accepted);
      if (rejected.length > 0) metrics.eventsRejected.inc({ site: batch.siteId, reason: 'invalid_event' }, rejected.length);
      metrics.batchEvents.observe(batch.response.accepted + rejected.length);
      for (const [field, count] of Object.entries(batch.stripped)) metrics.fieldsStripped.inc({ field }, count);
      if (batch.dropped > 0) metrics.sdkDropped.inc(batch.dropped);
      return batch.response;
    },
  );

  app.get('/sdk.js', async (request, reply) => deps.sdk.serve(request, reply));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const state = await deps.ready();
    return reply.code(state.ready ? 200 : 503).send({ status: state.ready ? 'ready' : 'not ready', ...state.checks });
  });
  app.get('/metrics', async (_request, reply) => {
    deps.beforeMetrics?.();
    // Delivery counts live in the tracker (hot path: plain numbers); the metrics mirror them.
    metrics.sdkReceived.reset();
    metrics.sdkReceived.inc(delivery.received);
    metrics.sdkExpected.reset();
    metrics.sdkExpected.inc(delivery.expected);
    metrics.sdkDelivery.set(delivery.ratio);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  if (config.demoDir) {
    await app.register(fastifyStatic, { root: config.demoDir, prefix: '/demo/', index: ['index.html'] });
    app.get('/', async (_request, reply) => reply.redirect('/demo/'));
    app.get('/demo', async (_request, reply) => reply.redirect('/demo/'));
  }
  return app;
}

/** A hop count means: trust that many proxies in front of us. */
function trustProxyOption(value: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value;
}

/** Client mistakes get their 4xx and a machine code; anything else is a 500 that reveals nothing. */
function sendError(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply, metrics: Metrics): FastifyReply {
  let http: HttpError;
  if (error instanceof HttpError) http = error;
  else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    http = new HttpError(415, ERROR_CODES.unsupportedMediaType, 'send the batch as application/json or text/plain');
  } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
    http = new HttpError(413, ERROR_CODES.bodyTooLarge, `the body is larger than ${LIMITS.maxBodyBytes} bytes`);
  } else if (error.statusCode === 429) {
    http = new HttpError(429, ERROR_CODES.rateLimited, 'too many requests; retry later', undefined, { 'retry-after': '60' });
  } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    http = new HttpError(error.statusCode, ERROR_CODES.badRequest, error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the body is empty' : 'the request is malformed');
  } else {
    request.log.error({ err: error }, 'unexpected error');
    http = new HttpError(500, ERROR_CODES.internal, 'internal error; the request id identifies it in the logs');
  }
  metrics.requestsRejected.inc({ status: String(http.status), code: http.code });
  if (http.headers) void reply.headers(http.headers);
  return reply.code(http.status).send(http.body());
}
