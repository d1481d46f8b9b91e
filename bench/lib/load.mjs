// Load generation with autocannon's programmatic API, from this process (the collector always
// runs in a process of its own). Every run is bounded in time (duration) and in count
// (maxOverallRequests) and stops by itself.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO } from './common.mjs';
import { stamp, visitorHeaders } from './payloads.mjs';
import { RawHttpPool } from './raw-http.mjs';

const require = createRequire(join(REPO, 'package.json'));
const autocannon = require('autocannon');

/** One counter for the whole run: every request's event ids are unique. */
let requestCounter = 1;
export function nextCounter() {
  return requestCounter++;
}

export const SERVER_KEY = 'bench-server-key-0123456789abcdef';
export const SITE = 'bench';

/**
 * POSTs bodies from `bodies` (buildBodies output) to `url` + /v1/batch for `duration` seconds.
 * options: connections, overallRate (requests/s over all connections), maxRequests, timeout (s),
 * auth (default true: Bearer server key), forwardedFor (default true).
 * Returns the request counts by status, latency percentiles (ms) and derived events/s.
 */
export async function runLoad(baseUrl, bodies, options = {}) {
  const {
    duration = 10,
    connections = 32,
    overallRate,
    maxRequests = 5_000_000,
    timeout = 10,
    auth = true,
    forwardedFor = true,
    path = '/v1/batch',
    graceful = true,
  } = options;
  const { templates, batch } = bodies;
  let sent = 0;
  let lastResponseAt;
  const statusCounts = {};
  let ok = 0;
  const headersBase = { 'content-type': 'text/plain;charset=UTF-8' };
  if (auth) headersBase.authorization = `Bearer ${SERVER_KEY}`;

  const request = {
    method: 'POST',
    path,
    setupRequest(req) {
      const counter = nextCounter();
      const t = templates[counter % templates.length];
      const headers = { ...headersBase };
      const visitor = visitorHeaders(counter);
      headers['user-agent'] = visitor.ua;
      if (forwardedFor) headers['x-forwarded-for'] = visitor.ip;
      sent++;
      return { ...req, headers, body: stamp(t, counter) };
    },
    onResponse(status) {
      lastResponseAt = performance.now();
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (status >= 200 && status < 300) ok++;
    },
  };

  // graceful: at the deadline every connection finishes the request it has in flight and then
  // stops (autocannon's own per-connection request limit, lowered to what it has sent), so no
  // request is aborted and every acknowledgement is seen. Otherwise autocannon destroys the
  // connections at the deadline, aborting what is in flight, as impatient clients do.
  const clients = [];
  const opts = {
    url: baseUrl,
    connections,
    pipelining: 1,
    duration: graceful ? duration + timeout + 5 : duration,
    setupClient: (client) => clients.push(client),
    maxOverallRequests: maxRequests,
    timeout,
    requests: [request],
    excludeErrorStats: false,
    // The 1-second histogram buckets autocannon keeps; latencies are recorded per response.
    sampleInt: 1000,
  };
  if (overallRate) opts.overallRate = overallRate;

  const started = performance.now();
  const result = await new Promise((resolveRun, reject) => {
    const instance = autocannon(opts, (error, res) => (error ? reject(error) : resolveRun(res)));
    const deadline = graceful
      ? setTimeout(() => {
          for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
        }, duration * 1000)
      : undefined;
    // A safety net beyond autocannon's own duration: never run longer than asked + timeout + 20 s.
    const guard = setTimeout(() => instance.stop(), (duration + timeout + 20) * 1000);
    instance.on('done', () => {
      clearTimeout(guard);
      clearTimeout(deadline);
    });
  });
  const wallSeconds = (performance.now() - started) / 1000;
  // The first request of each connection is built once when the client is created (and may be
  // rebuilt before it is sent); "sent" counts setupRequest calls, an upper bound.
  const responses = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  // From the start to the last answer (autocannon's own duration is taken at its next 1 s tick).
  const seconds = lastResponseAt ? Math.max((lastResponseAt - started) / 1000, Math.min(duration, wallSeconds)) : wallSeconds;
  const non2xx = responses - ok;
  return {
    batch,
    connections,
    overallRate,
    seconds,
    built: sent,
    responses,
    ok,
    non2xx,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    // autocannon aborts the requests still in flight when the duration ends: their outcome is unknown.
    unanswered: Math.max(0, sent - responses - result.errors),
    ackedEvents: ok * batch,
    eventsPerSec: (ok * batch) / seconds,
    requestsPerSec: ok / seconds,
    offeredPerSec: (responses + result.errors) / seconds,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    throughputMBps: result.throughput.average / 1024 / 1024,
  };
}

/** Sends every body once (8 at a time) with fresh ids; checks the answer. Returns { events, failures }. */
export async function validateBodies(baseUrl, bodies, concurrency = 8) {
  let events = 0;
  const failures = [];
  const queue = [...bodies.templates];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) await one(t);
  };
  const one = async (t) => {
    const counter = nextCounter();
    const visitor = visitorHeaders(counter);
    const response = await fetch(`${baseUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', authorization: `Bearer ${SERVER_KEY}`, 'user-agent': visitor.ua, 'x-forwarded-for': visitor.ip },
      body: stamp(t, counter),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status !== 200 || answer.accepted !== bodies.batch || answer.rejected?.length) {
      if (failures.length < 5) failures.push({ status: response.status, answer: JSON.stringify(answer).slice(0, 400) });
      else failures.push({ status: response.status });
    }
    if (response.status === 200) events += answer.accepted ?? 0;
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { events, failures };
}

/**
 * Open-loop load at a steady average rate: request i is due at t0 + the sum of i exponential
 * gaps (Poisson arrivals, as from many independent browsers), sent whether or not earlier ones
 * were answered, over a keep-alive pool of up to `maxSockets` connections (raw-http.mjs: pre-built
 * requests on raw sockets, so the generator takes little CPU from the machine it shares). Latency is measured
 * from the moment a request was due, so a late generator or a full pool shows up in it
 * (no coordinated omission). Bounded: at most rate × duration requests (and maxRequests), and
 * at most `timeout` s of waiting for the last answers.
 *
 * Used for the half-load run instead of autocannon's overallRate, which sends each connection's
 * per-second quota back to back at the start of every second (bursts at full speed, then idle)
 * and back-fills its histogram with a 1 ms expected interval.
 *
 * `warmup` seconds at the same rate come first and are left out of the latency, status and rate
 * figures (`warmup` in the result counts them), so the figures describe the steady state, not the
 * step from idle to load; `onMeasure()` is called when the measured part starts, to start
 * samplers there. `ackedEvents`, `unanswered`, `errors` and `timeouts` count every request sent,
 * warm-up included (the exactly-once checks need them all; `warmup.errors` is the warm-up's share).
 */
export async function runPaced(baseUrl, bodies, { rate, duration = 10, warmup = 0, onMeasure, maxRequests = 1_000_000, timeout = 10, maxSockets = 256, seed = 7 } = {}) {
  const { templates, batch } = bodies;
  const target = new URL('/v1/batch', baseUrl);
  const pool = new RawHttpPool({ host: target.hostname, port: Number(target.port), maxSockets });
  // What every request's head shares, written once.
  const head = `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: text/plain;charset=UTF-8\r\nAuthorization: Bearer ${SERVER_KEY}\r\n`;
  const total = Math.min(maxRequests, Math.round(rate * (warmup + duration)));
  const latencies = [];
  const statusCounts = {};
  const warm = { sent: 0, ok: 0, non2xx: 0, errors: 0 };
  let ok = 0;
  let errors = 0;
  let timeouts = 0;
  let done = 0;
  let sent = 0;
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const started = performance.now();
  const t0 = started + 20;
  const measuredFrom = t0 + warmup * 1000;
  let due = t0;

  const result = await new Promise((resolveRun) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      clearTimeout(guard);
      resolveRun();
    };
    const send = (scheduled) => {
      const counter = nextCounter();
      const visitor = visitorHeaders(counter);
      const body = stamp(templates[counter % templates.length], counter);
      const measured = scheduled >= measuredFrom;
      sent++;
      if (!measured) warm.sent++;
      pool.send(
        `${head}User-Agent: ${visitor.ua}\r\nX-Forwarded-For: ${visitor.ip}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        timeout * 1000,
        (status, error) => {
          if (status === undefined) {
            if (error?.message === 'timeout') timeouts++;
            errors++;
            if (!measured) warm.errors++;
          } else {
            const success = status >= 200 && status < 300;
            if (measured) {
              latencies.push(performance.now() - scheduled);
              statusCounts[status] = (statusCounts[status] ?? 0) + 1;
              if (success) ok++;
            } else if (success) warm.ok++;
            else warm.non2xx++;
          }
          if (++done === total) finish();
        },
      );
    };
    let measuring = false;
    const timer = setInterval(() => {
      const now = performance.now();
      if (!measuring && now >= measuredFrom) {
        measuring = true;
        onMeasure?.();
      }
      while (sent < total && due <= now) {
        send(due);
        due += (-Math.log(1 - random()) * 1000) / rate;
      }
      if (sent >= total) clearInterval(timer);
    }, 1);
    const guard = setTimeout(finish, (warmup + duration + timeout + 2) * 1000);
  });
  void result;
  pool.destroy();
  // Positive even if maxRequests ran out during the warm-up (then nothing was measured).
  const seconds = Math.max(1e-3, (performance.now() - measuredFrom) / 1000);
  latencies.sort((x, y) => x - y);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : undefined);
  return {
    batch,
    rate,
    seconds,
    built: sent,
    responses: latencies.length,
    ok,
    non2xx: latencies.length - ok,
    statusCounts,
    errors,
    timeouts,
    warmup: { seconds: warmup, ...warm },
    unanswered: Math.max(0, sent - latencies.length - warm.ok - warm.non2xx - errors),
    ackedEvents: (ok + warm.ok) * batch,
    eventsPerSec: (ok * batch) / seconds,
    requestsPerSec: ok / seconds,
    offeredPerSec: (sent - warm.sent) / seconds,
    latency: { p50: pct(50), p90: pct(90), p99: pct(99), max: latencies[latencies.length - 1], mean: latencies.reduce((x, y) => x + y, 0) / (latencies.length || 1) },
  };
}
