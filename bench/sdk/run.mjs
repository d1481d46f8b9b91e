#!/usr/bin/env node
// spur SDK benchmark: bundle size and main-thread / wire cost of spur's browser SDK against the
// trackers a shop would otherwise use. Plain Node ESM; needs the workspace built (`pnpm build`) for
// the project's Chromium launcher and spur's own bundle.
//
//   node bench/sdk/run.mjs [--runs 5] [--events 1000] [--only spur,posthog] [--cross-origin]
//
// Markdown goes to stdout and .work/report.md, JSON to .work/results.json; progress to stderr.
// Everything stays on loopback: the page, the bundles and the sink are served by one node:http
// server on 127.0.0.1, and Chromium resolves every other host name to "not found".

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const WORK = join(HERE, '.work');
const PKG = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8'));
const T_START = performance.now();

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const opts = { runs: 5, events: 1000, only: null, crossOrigin: false, trackerBudgetMs: 60_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--runs')) opts.runs = posInt(val(), '--runs');
    else if (a.startsWith('--events')) opts.events = posInt(val(), '--events');
    else if (a.startsWith('--only')) opts.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith('--tracker-budget')) opts.trackerBudgetMs = posInt(val(), '--tracker-budget') * 1000;
    else if (a === '--cross-origin') opts.crossOrigin = true;
    else if (a === '--help' || a === '-h') {
      process.stderr.write(
        'usage: node bench/sdk/run.mjs [--runs N=5] [--events N=1000] [--only id,id] [--cross-origin] [--tracker-budget SECONDS=60]\n' +
          'env: SPUR_SDK_DIST=dir  use dir/index.js and dir/sdk.js instead of packages/sdk/dist\n' +
          '     CHROMIUM_PATH=path  Chromium binary (default /usr/bin/chromium)\n',
      );
      process.exit(0);
    } else fail(`unknown argument ${a} (try --help)`);
  }
  return opts;
}
function posInt(v, name) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer`);
  return n;
}
function fail(msg) {
  process.stderr.write(`bench/sdk: ${msg}\n`);
  process.exit(2);
}
const log = (msg) => process.stderr.write(`[bench/sdk] ${msg}\n`);
const DEBUG = Boolean(process.env.BENCH_SDK_DEBUG); // log every sink request and the run's phases

const OPTS = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------
// Install: npm ci in bench/sdk when node_modules is missing or does not match the pins.

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}
function ensureInstalled() {
  const stale = Object.entries(PKG.dependencies).filter(([name, version]) => installedVersion(name) !== version);
  if (stale.length === 0) return;
  log(`installing bench/sdk dependencies (npm ci): ${stale.map(([n, v]) => `${n}@${v}`).join(', ')}`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: HERE, stdio: ['ignore', 2, 2], timeout: 300_000 });
  if (r.status !== 0) fail(`npm ci failed in ${HERE} (exit ${r.status ?? r.signal ?? r.error})`);
}

// Trackers whose npm package is not installable as a dependency (see package.json
// "trackerSources"): fetch the pinned tarball with `npm pack`, check its integrity, extract one file.
function ensureTrackerSource(id) {
  const src = PKG.trackerSources[id];
  const dir = join(WORK, 'peers', `${src.package}-${src.version}`);
  const file = join(dir, src.file);
  if (existsSync(file)) return { ...src, path: file };
  mkdirSync(dir, { recursive: true });
  log(`fetching ${src.package}@${src.version} with npm pack (its ${src.file})`);
  const r = spawnSync('npm', ['pack', `${src.package}@${src.version}`, '--pack-destination', dir, '--json'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`npm pack ${src.package}@${src.version} failed: ${(r.stderr || '').trim().slice(-400)}`);
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  const digest = `sha512-${createHash('sha512').update(readFileSync(join(dir, tgz))).digest('base64')}`;
  if (digest !== src.integrity) throw new Error(`${tgz}: integrity ${digest} does not match the pinned ${src.integrity}`);
  const t = spawnSync('tar', ['-xzf', tgz, '--strip-components=1', `package/${src.file}`, 'package/package.json', 'package/LICENSE'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (t.status !== 0) throw new Error(`tar failed on ${tgz}: ${t.stderr}`);
  rmSync(join(dir, tgz));
  return { ...src, path: file };
}

// ---------------------------------------------------------------------------------------------
// Trackers

const SPUR_DIST_DEFAULT = join(REPO, 'packages/sdk/dist');
const SPUR_DIST = process.env.SPUR_SDK_DIST ? resolve(process.env.SPUR_SDK_DIST) : SPUR_DIST_DEFAULT;
const SPUR_OVERRIDDEN = SPUR_DIST !== SPUR_DIST_DEFAULT;

function spurInfo() {
  const entry = join(SPUR_DIST, 'index.js');
  const iife = join(SPUR_DIST, 'sdk.js');
  const built = existsSync(entry);
  const text = built ? readFileSync(entry, 'utf8') : '';
  const placeholder = /spur-placeholder/.test(text);
  let version = null;
  try {
    version = JSON.parse(readFileSync(join(REPO, 'packages/sdk/package.json'), 'utf8')).version;
  } catch {}
  const sha1 = (f) => (existsSync(f) ? createHash('sha1').update(readFileSync(f)).digest('hex') : null);
  const mtime = built ? statSync(entry).mtime.toISOString() : null;
  return { entry, iife, built, iifeBuilt: existsSync(iife), placeholder, version, sha1: { index: sha1(entry), sdk: sha1(iife) }, mtime };
}

/** id, display name, npm package (for version/licence), entry file. */
const TRACKERS = [
  { id: 'spur', name: 'spur', pkg: '@spur/sdk', entry: 'spur.js' },
  { id: 'posthog', name: 'PostHog', pkg: 'posthog-js', entry: 'posthog.js' },
  { id: 'snowplow', name: 'Snowplow', pkg: '@snowplow/browser-tracker', entry: 'snowplow.js' },
  { id: 'segment', name: 'Segment', pkg: '@segment/analytics-next', entry: 'segment.js' },
  { id: 'openpanel', name: 'OpenPanel', pkg: '@openpanel/web', entry: 'openpanel.js' },
  { id: 'plausible', name: 'Plausible', pkg: '@plausible-analytics/tracker', entry: 'plausible.js' },
  { id: 'umami', name: 'Umami', pkg: 'umami', entry: 'umami.js', source: 'umami' },
  { id: 'baseline', name: 'no tracker (harness floor)', pkg: null, entry: 'baseline.js', baseline: true },
];

function packageMeta(name) {
  const p = join(HERE, 'node_modules', name, 'package.json');
  if (!existsSync(p)) return null;
  const j = JSON.parse(readFileSync(p, 'utf8'));
  return { name: j.name, version: j.version, license: licenseOf(j, dirname(p)) };
}
function licenseOf(pkgJson, dir) {
  const seeFile = typeof pkgJson.license === 'string' && /^SEE LICENSE IN (.+)$/i.exec(pkgJson.license);
  if (seeFile && dir) {
    // e.g. Segment's small helper packages: name the licence by its text.
    try {
      const text = readFileSync(join(dir, seeFile[1].trim()), 'utf8');
      if (/Permission is hereby granted, free of charge/.test(text)) return 'MIT (by its LICENSE text)';
      if (/Permission to use, copy, modify, and\/or distribute/.test(text)) return 'ISC (by its LICENSE text)';
    } catch {}
  }
  if (typeof pkgJson.license === 'string') return pkgJson.license;
  if (pkgJson.license?.type) return pkgJson.license.type;
  if (Array.isArray(pkgJson.licenses)) return pkgJson.licenses.map((l) => l.type || l).join(' OR ');
  return 'UNKNOWN';
}

// ---------------------------------------------------------------------------------------------
// Bundling: the same esbuild settings for every entry.

const esbuild = await (async () => {
  ensureInstalled();
  return import(pathToFileURL(join(HERE, 'node_modules/esbuild/lib/main.js')).href);
})();

const BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  treeShaking: true,
  target: 'es2017',
  platform: 'browser',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'silent',
  metafile: true,
};

function redirectPlugin(tracker, umamiPath) {
  return {
    name: 'bench-redirects',
    setup(build) {
      // spur's entry imports ../../../packages/sdk/dist/index.js; SPUR_SDK_DIST swaps the folder.
      build.onResolve({ filter: /packages\/sdk\/dist\/index\.js$/ }, () => ({ path: join(SPUR_DIST, 'index.js') }));
      build.onResolve({ filter: /^umami-tracker-source$/ }, () => {
        if (!umamiPath) return { errors: [{ text: 'Umami tracker source is not available' }] };
        return { path: umamiPath };
      });
    },
  };
}

function sizesOf(buf) {
  return {
    min: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}

/** package name of a bundled input path, or '(entry)' for the benchmark's own files. */
function packageOfInput(p) {
  const abs = resolve(process.cwd(), p);
  const norm = abs.split(sep).join('/');
  const i = norm.lastIndexOf('/node_modules/');
  if (i < 0) {
    if (abs.startsWith(SPUR_DIST + sep)) return '@spur/sdk';
    if (abs.startsWith(join(WORK, 'peers') + sep)) return 'umami';
    return '(bench entry)';
  }
  const rest = norm.slice(i + '/node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

async function bundle(tracker, umamiPath) {
  const entry = join(HERE, 'entries', tracker.entry);
  const outfile = join(WORK, 'bundles', `${tracker.id}.js`);
  const plugins = [redirectPlugin(tracker, umamiPath)];
  const iife = await esbuild.build({ ...BUILD_OPTIONS, entryPoints: [entry], format: 'iife', outfile, plugins });
  const buf = readFileSync(outfile);

  // Which packages went in, their licences and their share of the minified output.
  const out = Object.values(iife.metafile.outputs)[0];
  const byPkg = new Map();
  for (const [input, info] of Object.entries(out.inputs)) {
    const name = packageOfInput(input);
    byPkg.set(name, (byPkg.get(name) ?? 0) + info.bytesInOutput);
  }
  const packages = [...byPkg.entries()]
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => {
      let license = null;
      if (name === '@spur/sdk') license = 'MIT';
      else if (name === 'umami') license = PKG.trackerSources.umami.license;
      else if (name !== '(bench entry)') license = packageMeta(name)?.license ?? 'UNKNOWN';
      return { name, version: packageMeta(name)?.version ?? null, license, bytesInOutput: bytes };
    });

  // The same entry as code-split ESM, as a shop's bundler would emit it: what loads up front
  // (entry chunk + static imports) against lazy chunks behind dynamic import().
  const esmDir = join(WORK, 'esm', tracker.id);
  rmSync(esmDir, { recursive: true, force: true });
  const esm = await esbuild.build({ ...BUILD_OPTIONS, entryPoints: [entry], format: 'esm', splitting: true, outdir: esmDir, plugins });
  const outputs = esm.metafile.outputs;
  const entryOut = Object.keys(outputs).find((k) => outputs[k].entryPoint && k.endsWith('.js'));
  const initial = new Set();
  const visit = (k) => {
    if (initial.has(k)) return;
    initial.add(k);
    for (const imp of outputs[k].imports) if (imp.kind === 'import-statement' && outputs[imp.path]) visit(imp.path);
  };
  visit(entryOut);
  let initialGzip = 0;
  let lazyGzip = 0;
  let lazyChunks = 0;
  let esmFiles = 0;
  for (const k of Object.keys(outputs)) {
    if (!k.endsWith('.js')) continue;
    esmFiles++;
    const g = zlib.gzipSync(readFileSync(resolve(process.cwd(), k)), { level: 9 }).length;
    if (initial.has(k)) initialGzip += g;
    else {
      lazyGzip += g;
      lazyChunks++;
    }
  }
  return { file: relative(HERE, outfile), ...sizesOf(buf), esmInitialGzip: initialGzip, esmLazyGzip: lazyGzip, esmLazyChunks: lazyChunks, esmFiles, packages };
}

// ---------------------------------------------------------------------------------------------
// Loopback server: page, bundle, and the sink that counts everything else.

const EVENT_I = /\\*"i\\*"\s*:\s*\\*"?(\d+)/g;

function decodePayload(raw, headers) {
  let buf = raw;
  const enc = String(headers['content-encoding'] || '').toLowerCase();
  let compressed = false;
  try {
    if (enc.includes('gzip') || (buf[0] === 0x1f && buf[1] === 0x8b)) {
      buf = zlib.gunzipSync(buf);
      compressed = true;
    } else if (enc.includes('br')) {
      buf = zlib.brotliDecompressSync(buf);
      compressed = true;
    } else if (enc.includes('deflate')) {
      try {
        buf = zlib.inflateSync(buf);
      } catch {
        buf = zlib.inflateRawSync(buf);
      }
      compressed = true;
    }
  } catch {
    /* not actually compressed: count as is */
  }
  let text = buf.toString('utf8');
  // Form-encoded "data=<base64 JSON>" (PostHog's fallback when it does not gzip).
  if (/^data=/.test(text) || String(headers['content-type'] || '').includes('x-www-form-urlencoded')) {
    const d = new URLSearchParams(text).get('data');
    if (d) {
      try {
        let b = Buffer.from(d, 'base64');
        if (b[0] === 0x1f && b[1] === 0x8b) b = zlib.gunzipSync(b);
        const s = b.toString('utf8');
        if (/^[[{]/.test(s)) {
          text = s;
          compressed = true;
        }
      } catch {}
    }
  }
  return { text, bytes: Buffer.byteLength(text), compressed };
}

/** Distinct `i` values in a payload, also inside base64-encoded JSON fields (Snowplow's ue_px/cx). */
function eventIds(text) {
  const ids = [];
  const scan = (s) => {
    for (const m of s.matchAll(EVENT_I)) ids.push(Number(m[1]));
  };
  scan(text);
  for (const m of text.matchAll(/"(eyJ[A-Za-z0-9+/_-]+=*)"/g)) {
    try {
      scan(Buffer.from(m[1].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
    } catch {}
  }
  return ids;
}

function newCounters() {
  return {
    requests: 0,
    preflights: 0,
    headerBytes: 0,
    wireBodyBytes: 0,
    payloadBytes: 0,
    compressedRequests: 0,
    eventIds: new Set(),
    eventOccurrences: 0,
    paths: {},
    sample: null,
  };
}

function startServer({ bundleDir, bundleName, crossOrigin }) {
  // bundleDir and scriptTag can be switched between page loads (IIFE runs vs. the ESM-split load).
  const state = {
    inflight: 0,
    lastActivity: performance.now(),
    c: newCounters(),
    jsBytes: 0,
    jsRequests: 0,
    jsFiles: [],
    bundleDir,
    scriptTag: `<script src="/${bundleName}"></script>`,
    sinkOrigin: null,
    pageOrigin: null,
  };
  const page = () =>
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>spur SDK bench</title>' +
    `<script>window.__SINK__=${JSON.stringify(state.sinkOrigin)};window.__SITE__="bench-site";</script>` +
    `</head><body><p>bench</p>${state.scriptTag}</body></html>`;

  const handler = (req, res) => {
    state.inflight++;
    state.lastActivity = performance.now();
    let done = false;
    res.on('close', () => {
      if (done) return;
      done = true;
      state.inflight--;
      state.lastActivity = performance.now();
    });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url, 'http://127.0.0.1');
      const cors = {
        'access-control-allow-origin': req.headers.origin || '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || '*',
        'access-control-max-age': '600',
        vary: 'Origin',
        // No Cache-Control here: like spur's collector. (Chromium appears to hold a keepalive
        // request's in-flight quota when its response says "no-store", which starves trackers
        // that send several keepalive requests at once.)
      };
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(page());
      }
      // Static JS from the bundle folder (the bundle, and any chunk a tracker might load later).
      if (req.method === 'GET' && /^\/[\w.-]+\.js$/.test(url.pathname)) {
        const f = join(state.bundleDir, url.pathname.slice(1));
        if (existsSync(f) && statSync(f).isFile()) {
          const js = readFileSync(f);
          state.jsBytes += js.length;
          state.jsRequests++;
          state.jsFiles.push(f);
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'content-length': js.length, ...cors });
          return res.end(js);
        }
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204);
        return res.end();
      }
      // Sink.
      const c = state.c;
      if (req.method === 'OPTIONS') {
        c.preflights++;
        res.writeHead(204, cors);
        return res.end();
      }
      let headerBytes = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n\r\n`);
      for (let i = 0; i < req.rawHeaders.length; i += 2) headerBytes += Buffer.byteLength(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`);
      const payload = decodePayload(body, req.headers);
      const ids = eventIds(payload.text + (url.search ? ` ${decodeURIComponent(url.search)}` : ''));
      c.requests++;
      c.headerBytes += headerBytes;
      c.wireBodyBytes += body.length;
      c.payloadBytes += payload.bytes;
      if (payload.compressed) c.compressedRequests++;
      c.eventOccurrences += ids.length;
      for (const i of ids) c.eventIds.add(i);
      const key = `${req.method} ${url.pathname}`;
      c.paths[key] = (c.paths[key] ?? 0) + 1;
      if (DEBUG) log(`    sink ${performance.now().toFixed(0)} ms: ${key} ${body.length} B, ${ids.length} events`);
      if (!c.sample && ids.length) c.sample = { request: key, contentType: req.headers['content-type'] ?? null, payload: payload.text.slice(0, 1200) };
      res.writeHead(200, { 'content-type': 'application/json', ...cors });
      res.end('{}');
    });
  };

  const servers = [http.createServer(handler)];
  servers[0].keepAliveTimeout = 60_000;
  return new Promise((resolveStart, rejectStart) => {
    servers[0].once('error', rejectStart);
    servers[0].listen(0, '127.0.0.1', () => {
      const port = servers[0].address().port;
      state.pageOrigin = `http://127.0.0.1:${port}`;
      state.sinkOrigin = state.pageOrigin;
      const api = {
        state,
        port,
        reset() {
          state.c = newCounters();
          state.jsBytes = 0;
          state.jsRequests = 0;
          state.jsFiles = [];
        },
        close: () => Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections?.(); s.close(() => r()); }))),
      };
      if (!crossOrigin) return resolveStart(api);
      // Cross-origin mode: the sink is a second loopback address on the same port.
      const s2 = http.createServer(handler);
      s2.keepAliveTimeout = 60_000;
      servers.push(s2);
      s2.once('error', rejectStart);
      s2.listen(port, '127.0.0.2', () => {
        state.sinkOrigin = `http://127.0.0.2:${port}`;
        resolveStart(api);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Browser

// The project's own launcher (packages/testing, built by `pnpm build`): Debian's Chromium, headless,
// with the flags that keep it from dialling out; CHROMIUM_PATH overrides the binary.
const TESTING_INDEX = join(REPO, 'packages/testing/dist/index.js');
if (!existsSync(TESTING_INDEX)) {
  console.error('bench/sdk/run.mjs: packages/testing/dist is missing (its Chromium launcher): run `pnpm build` first');
  process.exit(2);
}
const { launchChromium } = await import(pathToFileURL(TESTING_INDEX).href);
// Every host name but localhost fails to resolve: nothing can leave the machine, and any try is
// still seen (and counted) as a request by the page.
const HOST_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2';

const live = { browsers: new Set(), servers: new Set() };
async function cleanup() {
  await Promise.all([...live.browsers].map((b) => b.close().catch(() => {})));
  await Promise.all([...live.servers].map((s) => s.close().catch(() => {})));
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    cleanup().finally(() => process.exit(130));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isLoopback = (host) => host === 'localhost' || /^127\./.test(host) || host === '[::1]';

/**
 * Wait until the sink is quiet: nothing in flight and nothing started or finished for quietMs.
 * With needTraffic, a quiet spell before the first event-bearing request does not count until
 * noTrafficMs have passed (trackers that flush on a timer, e.g. PostHog every 3 s).
 */
async function waitQuiet(server, { quietMs, maxMs, needTraffic = false, noTrafficMs = 0, deadline }) {
  const t0 = performance.now();
  for (;;) {
    const t = performance.now();
    if (t - t0 >= maxMs || t >= deadline) return { ms: t - t0, timedOut: true };
    const st = server.state;
    const quiet = st.inflight === 0 && t - Math.max(st.lastActivity, t0) >= quietMs;
    if (quiet && (!needTraffic || st.c.eventOccurrences > 0 || t - t0 >= noTrafficMs)) return { ms: t - t0, timedOut: false };
    await sleep(25);
  }
}

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(list.map((x) => [x.name, x.value]));
  return { task: m.TaskDuration * 1000, script: m.ScriptDuration * 1000, heap: m.JSHeapUsedSize };
}

async function runOnce(browser, server, tracker, bundleName, deadline) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const external = [];
  const errors = [];
  page.on('request', (r) => {
    try {
      const u = new URL(r.url());
      if (/^https?:$/.test(u.protocol) && !isLoopback(u.hostname)) external.push(`${r.method()} ${u.host}${u.pathname}`);
    } catch {}
  });
  page.on('pageerror', (e) => errors.push(String(e.message || e).slice(0, 200)));
  // Requests the browser itself failed (e.g. refused keepalive requests), from the loop on.
  const failed = { on: false, n: 0, why: new Set() };
  page.on('requestfailed', (r) => {
    if (DEBUG) log(`    requestfailed ${performance.now().toFixed(0)} ms: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
    if (!failed.on) return;
    failed.n++;
    failed.why.add(r.failure()?.errorText ?? 'unknown');
  });
  page.on('console', (m) => {
    if (DEBUG) log(`    console.${m.type()} ${performance.now().toFixed(0)} ms: ${m.text().slice(0, 200)}`);
    if (m.type() === 'error') errors.push(m.text().slice(0, 200));
  });
  try {
    const remaining = () => Math.max(1000, deadline - performance.now());
    server.reset();
    await page.goto(`${server.state.pageOrigin}/`, { waitUntil: 'load', timeout: Math.min(15_000, remaining()) });
    await page.waitForFunction(() => window.__ready === true, null, { timeout: Math.min(15_000, remaining()), polling: 50 });
    // Initialised; now idle: let start-up traffic finish.
    await waitQuiet(server, { quietMs: 500, maxMs: 8000, deadline });
    await page.evaluate(() => new Promise((r) => requestIdleCallback(() => r(), { timeout: 2000 })));
    const init = { requests: server.state.c.requests, bytes: server.state.c.wireBodyBytes + server.state.c.headerBytes };
    const jsBytes = server.state.jsBytes;
    const jsRequests = server.state.jsRequests;

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await sleep(100);
    server.reset();
    failed.on = true;
    const m0 = await metrics(cdp);
    // The loop runs in a page task of its own (a timer), not inside the DevTools evaluate call,
    // so that Chromium accounts it like any page script (ScriptDuration counts it too).
    if (DEBUG) log(`    loop at ${performance.now().toFixed(0)} ms`);
    const syncMs = await page.evaluate(
      (n) =>
        new Promise((done) =>
          setTimeout(() => {
            const t0 = performance.now();
            for (let i = 0; i < n; i++) window.__track(i);
            done(performance.now() - t0);
          }, 0),
        ),
      OPTS.events,
    );
    // Deferred work (timers, promise chains, serialisation, sending) until the network is quiet.
    const settle = await waitQuiet(server, { quietMs: 2000, maxMs: 20_000, needTraffic: !tracker.baseline, noTrafficMs: 6000, deadline });
    const m1 = await metrics(cdp);
    if (DEBUG) log(`    settled at ${performance.now().toFixed(0)} ms (${settle.ms.toFixed(0)} ms after the loop)`);
    const hasFlush = await page.evaluate(() => typeof window.__flush === 'function');
    let flush = null;
    if (hasFlush) {
      await page.evaluate(() => {
        setTimeout(() => window.__flush(), 0);
      });
      flush = await waitQuiet(server, { quietMs: 2000, maxMs: 20_000, deadline });
    }
    const m2 = hasFlush ? await metrics(cdp) : m1;
    const c = server.state.c;
    return {
      syncMs,
      busyMs: m2.task - m0.task,
      scriptMs: m2.script - m0.script,
      busyBeforeFlushMs: m1.task - m0.task,
      heapAfterInit: m0.heap,
      requests: c.requests,
      preflights: c.preflights,
      compressedRequests: c.compressedRequests,
      eventsDelivered: c.eventIds.size,
      eventOccurrences: c.eventOccurrences,
      payloadBytes: c.payloadBytes,
      wireBodyBytes: c.wireBodyBytes,
      headerBytes: c.headerBytes,
      paths: c.paths,
      sample: c.sample,
      init,
      jsBytes: jsBytes + server.state.jsBytes,
      jsRequests: jsRequests + server.state.jsRequests,
      external: [...new Set(external)],
      externalRequests: external.length,
      errors: [...new Set(errors)].slice(0, 5),
      failedRequests: failed.n,
      failedWhy: [...failed.why],
      settleMs: settle.ms,
      settleTimedOut: settle.timedOut || Boolean(flush?.timedOut),
      flushSettleMs: flush?.ms ?? null,
      hasFlush,
    };
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * The code-split ESM build in the page, once: which chunks does the minimal usage really load
 * (entry + static imports + whatever its dynamic import()s fetch during init, tracking and flush)?
 */
async function esmLoad(browser, server, tracker, deadline) {
  const st = server.state;
  const saved = { bundleDir: st.bundleDir, scriptTag: st.scriptTag };
  st.bundleDir = join(WORK, 'esm', tracker.id);
  st.scriptTag = `<script type="module" src="/${tracker.id}.js"></script>`;
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    server.reset();
    await page.goto(`${st.pageOrigin}/`, { waitUntil: 'load', timeout: 15_000 });
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 15_000, polling: 50 });
    await page.evaluate(() => {
      for (let i = 0; i < 10; i++) window.__track(i);
      if (typeof window.__flush === 'function') window.__flush();
    });
    await waitQuiet(server, { quietMs: 1000, maxMs: 10_000, needTraffic: true, noTrafficMs: 5000, deadline });
    const files = [...new Set(st.jsFiles)];
    let gzip = 0;
    let min = 0;
    for (const f of files) {
      const buf = readFileSync(f);
      min += buf.length;
      gzip += zlib.gzipSync(buf, { level: 9 }).length;
    }
    return { files: files.map((f) => relative(HERE, f)), min, gzip };
  } finally {
    await context.close().catch(() => {});
    Object.assign(st, saved);
  }
}

async function measureTracker(tracker, size) {
  const t0 = performance.now();
  const deadline = t0 + OPTS.trackerBudgetMs;
  const bundleDir = join(WORK, 'bundles');
  const bundleName = `${tracker.id}.js`;
  const server = await startServer({ bundleDir, bundleName, crossOrigin: OPTS.crossOrigin });
  live.servers.add(server);
  let browser;
  const runs = [];
  let stopped = null;
  let chromiumVersion = null;
  let esm = null;
  // Hard stop: past the budget, closing the browser makes any pending step throw.
  const watchdog = setTimeout(() => {
    stopped ??= `time limit (${OPTS.trackerBudgetMs / 1000} s)`;
    browser?.close().catch(() => {});
  }, OPTS.trackerBudgetMs + 5000);
  try {
    // A fresh temporary profile per launch (playwright's own, deleted on close).
    ({ browser } = await launchChromium({ timeout: 30_000, args: [HOST_RULES] }));
    live.browsers.add(browser);
    chromiumVersion = browser.version();
    if (size?.esmLazyChunks > 0) {
      try {
        esm = await esmLoad(browser, server, tracker, deadline);
        log(`  ${tracker.id} code-split ESM: the page loaded ${esm.files.length} file(s), ${esm.gzip} B gzip`);
      } catch (e) {
        esm = { error: String(e.message || e).split('\n')[0].slice(0, 200) };
        log(`  ${tracker.id} code-split ESM load failed: ${esm.error}`);
      }
    }
    let longest = 0;
    for (let r = 0; r < OPTS.runs; r++) {
      if (performance.now() + longest > deadline) {
        stopped = `time limit (${OPTS.trackerBudgetMs / 1000} s) after ${r} run(s)`;
        break;
      }
      const rs = performance.now();
      const res = await runOnce(browser, server, tracker, bundleName, deadline);
      longest = Math.max(longest, performance.now() - rs);
      runs.push(res);
      log(
        `  ${tracker.id} run ${r + 1}/${OPTS.runs}: loop ${res.syncMs.toFixed(1)} ms, busy ${res.busyMs.toFixed(1)} ms, ` +
          `${res.requests} req, ${res.eventsDelivered}/${OPTS.events} events, ${res.wireBodyBytes} B body` +
          (res.externalRequests ? `, ${res.externalRequests} EXTERNAL` : '') +
          (res.errors.length ? `, errors: ${res.errors.join(' | ')}` : '') +
          (res.settleTimedOut ? ' (settle timed out)' : ''),
      );
    }
  } catch (e) {
    stopped ??= `error: ${String(e.message || e).split('\n')[0].slice(0, 300)}`;
    log(`  ${tracker.id}: ${stopped}`);
  } finally {
    clearTimeout(watchdog);
    if (browser) {
      await browser.close().catch(() => {});
      live.browsers.delete(browser);
    }
    await server.close();
    live.servers.delete(server);
  }
  return { runs, stopped, ms: performance.now() - t0, chromiumVersion, esm };
}

// ---------------------------------------------------------------------------------------------
// Statistics and report

function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function summary(runs, key) {
  const xs = runs.map((r) => r[key]);
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}
const nf = new Intl.NumberFormat('en-US');
const B = (n) => (n == null ? '–' : nf.format(Math.round(n)));
const ms = (n) => (n == null ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const range = (s) => `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;
const mdEscape = (s) => String(s).replace(/\|/g, '\\|');
const cellVar = (s) => (s.min === s.max ? B(s.median) : `${B(s.median)}†`);

function displayName(t, spur) {
  if (t.id !== 'spur') return t.name;
  return spur.placeholder ? 'spur (PLACEHOLDER, not the real SDK)' : 'spur';
}

function buildMarkdown(res) {
  const L = [];
  const { opts, env, spur } = res;
  L.push('## SDK size and cost against peers', '');
  L.push(
    `_Generated by \`bench/sdk/run.mjs\` on ${env.date}: ${opts.events.toLocaleString('en-US')} events per run, ` +
      `median of ${opts.runs} runs per tracker (fresh browser context each run), headless Chromium ${env.chromium ?? '?'}, ` +
      `Node ${env.node}, esbuild ${env.esbuild}, ${env.cpu} (${env.cores} cores). Whole script: ${(res.totalMs / 1000).toFixed(0)} s.` +
      (spur.built ? ` spur build measured: \`dist/index.js\` sha1 ${spur.sha1.index.slice(0, 10)}, built ${spur.mtime.slice(0, 16).replace('T', ' ')} UTC._` : '_'),
    '',
  );
  if (spur.placeholder) {
    L.push(
      `> **spur figures are from a PLACEHOLDER** (\`SPUR_SDK_DIST=${spur.dist}\`), not from the real SDK: ` +
        'rerun after `pnpm build` has produced `packages/sdk/dist/`.',
      '',
    );
  } else if (!spur.built) {
    L.push('> **spur was not built** (`packages/sdk/dist/index.js` is missing): run `pnpm build` first. Peers only.', '');
  } else if (spur.overridden) {
    L.push(`> spur taken from \`SPUR_SDK_DIST=${spur.dist}\`, not \`packages/sdk/dist\`.`, '');
  }

  L.push(
    '**Minimal usage, the same for every tracker** (`bench/sdk/entries/*.js`): initialise it for one site with its endpoint ' +
      'pointed at a loopback sink, with everything that would track on its own or call anything but the event endpoint turned ' +
      'off (autocapture, automatic page views, session recording, remote config / feature-flag ("decide") calls, surveys; ' +
      "Segment gets its settings locally instead of from its CDN); then track one custom event `bench` with one property `{ i }` in the tracker's own idiom, " +
      `${opts.events.toLocaleString('en-US')} times in one synchronous loop, and call its public flush where it has one.`,
    '',
  );

  // Sizes
  L.push('### Bundle size', '');
  L.push(
    'Each entry bundled by esbuild with identical settings (IIFE, minify, target es2017, browser, bundle, tree-shaking, ' +
      '`process.env.NODE_ENV="production"`, default legal comments), so the figure is what that minimal usage adds to a page as one script. ' +
      'gzip is level 9 (node zlib), brotli quality 11. **Code-split** bundles the same entry as ESM with `splitting: true`, as a shop\'s own ' +
      'bundler would, and loads it in the browser once (init, 10 events, flush): **loaded** = the gzip bytes of the chunks the page really ' +
      'fetched, **all** = every chunk including ones behind `import()` that this usage never loads. The IIFE inlines those lazy chunks.',
    '',
  );
  L.push('| tracker | package@version | licence | minified | gzip | brotli | code-split: loaded, gzip | code-split: all, gzip |');
  L.push('|---|---|---|--:|--:|--:|--:|--:|');
  for (const s of res.sizes) {
    if (s.error) {
      L.push(`| ${mdEscape(s.name)} | ${mdEscape(s.pkgLabel)} | ${mdEscape(s.license ?? '')} | – | – | – | – | – |`);
      continue;
    }
    const all =
      s.esmInitialGzip == null
        ? '–'
        : `${B(s.esmInitialGzip + s.esmLazyGzip)}${s.esmFiles > 1 ? ` (${s.esmFiles} files)` : ''}`;
    const loaded = s.esmLoadedGzip == null ? '–' : `${B(s.esmLoadedGzip)}${s.esmLoadedFiles ? ` (${s.esmLoadedFiles.length} file${s.esmLoadedFiles.length > 1 ? 's' : ''})` : ''}`;
    L.push(
      `| ${mdEscape(s.name)} | ${mdEscape(s.pkgLabel)} | ${mdEscape(s.license ?? '')} | ${B(s.min)} | **${B(s.gzip)}** | ${B(s.brotli)} | ${loaded} | ${all} |`,
    );
  }
  L.push('', 'Bytes. "–": not measured (see the notes).', '');

  // Cost
  L.push(`### Main-thread and wire cost of ${opts.events.toLocaleString('en-US')} events`, '');
  L.push(
    'Headless Chromium, the page and the IIFE bundle served from a loopback `node:http` server that is also the sink ' +
      (opts.crossOrigin ? '(on another loopback address, so requests are cross-origin). ' : '(same origin as the page, so no CORS preflights). ') +
      'After the tracker is initialised and the network has been idle: **track loop** = `performance.now()` around the synchronous ' +
      `loop of ${opts.events.toLocaleString('en-US')} \`__track(i)\` calls; **main-thread busy** = CDP \`Performance.getMetrics\` \`TaskDuration\` delta from just before the loop until ` +
      'the sink has been quiet for 2 s after the loop and again after the flush (so it includes deferred work: timers, promise chains, serialisation, ' +
      'sending); **script** = the `ScriptDuration` part of it. Sink figures count every request that reached the sink from the loop on: ' +
      '**payload** = request bodies after undoing any compression/encoding, **wire body** = bodies as sent, **headers** = request line and headers as received (HTTP/1.1, uncompressed). ' +
      '**delivered** = distinct event indices `i` found in those payloads. Median of the runs, (min–max) for times; † = varied between runs.',
    '',
  );
  L.push(
    '| tracker | track loop ms | main-thread busy ms | of it script ms | busy µs/event | requests | delivered | payload bytes | wire body bytes | header bytes | wire bytes/delivered event | JS loaded | calls off-box |',
  );
  L.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of res.costs) {
    if (!r.runs.length) {
      L.push(`| ${mdEscape(r.name)} | ${mdEscape(r.stopped ?? 'not run')} ||||||||||||`);
      continue;
    }
    const s = r.stats;
    const perEvent = s.busyMs.median == null ? '–' : ((s.busyMs.median * 1000) / opts.events).toFixed(1);
    const wirePerEvent =
      s.eventsDelivered.median > 0 ? B((s.wireBodyBytes.median + s.headerBytes.median) / s.eventsDelivered.median) : '–';
    const partial = r.runs.length < opts.runs ? ` (${r.runs.length} of ${opts.runs} runs)` : '';
    L.push(
      `| ${mdEscape(r.name)}${partial} | ${range(s.syncMs)} | ${range(s.busyMs)} | ${ms(s.scriptMs.median)} | ${perEvent} | ` +
        `${cellVar(s.requests)}${s.preflights.median ? ` +${B(s.preflights.median)} preflight` : ''} | ${cellVar(s.eventsDelivered)} | ${cellVar(s.payloadBytes)} | ` +
        `${cellVar(s.wireBodyBytes)} | ${cellVar(s.headerBytes)} | ${wirePerEvent} | ${B(s.jsBytes.median)} | ${B(s.externalRequests.max)} |`,
    );
  }
  L.push('');

  // Notes
  L.push('### Notes', '');
  for (const n of res.notes) L.push(`- ${n}`);
  L.push('');
  L.push('<details><summary>Bundled packages and licences per tracker</summary>', '');
  for (const s of res.sizes) {
    if (!s.packages) continue;
    const parts = s.packages.map((p) => `${p.name}${p.version ? `@${p.version}` : ''} (${p.license ?? '—'}, ${B(p.bytesInOutput)} B)`);
    L.push(`- **${mdEscape(s.name)}**: ${mdEscape(parts.join(', '))}`);
  }
  L.push('', '</details>', '');
  return L.join('\n');
}

const STATIC_NOTES = [
  'Umami: no npm package ships its browser tracker as a module or a built `script.js` (`@umami/tracker` does not exist). The package `umami` is the whole ' +
    'Umami server (Next.js, Prisma, 54 dependencies; 2.10.0 is the last version published there, newer Umami releases are not on npm) and carries the tracker ' +
    'only as source, `src/tracker/index.js`. That one file is taken from the pinned, integrity-checked tarball (`npm pack`, see `trackerSources` in ' +
    '`bench/sdk/package.json`) and bundled like every other entry; its settings go on the bundle\'s own `<script>` tag, as Umami expects.',
  'Segment: `@segment/analytics-next` is a loader. On a real site it fetches its settings from Segment\'s CDN and loads destinations and plugins lazily; ' +
    'here the settings are given inline with no destinations, so nothing else is fetched (no off-box calls, JS loaded = the bundle). Its code-split build ' +
    'still loads most of its chunks at start-up (see "code-split: loaded").',
  'OpenPanel: most of its IIFE is rrweb (session replay) behind a dynamic `import()`, which esbuild inlines into an IIFE; a code-splitting bundler ' +
    'leaves it in a chunk that this usage never loads (see "code-split: loaded").',
  'PostHog: two settings differ from its defaults, both in `entries/posthog.js`: the bot filter is off (the harness browser is headless Chromium under ' +
    'automation, which PostHog drops; Plausible\'s equivalent check is already skipped by `captureOnLocalhost`), and the client-side rate limit ' +
    '(10 events/s, burst 100) is raised, since with it 90% of the burst is dropped and each dropped call logs an error. It batches every 3 s ' +
    '(`flush_interval_ms`) and gzips the batch, and has no public flush. Most of its per-event time is reading `document.cookie` (its default persistence ' +
    'is localStorage + cookie).',
  'Snowplow (defaults: POST, `bufferSize` 1, localStorage event store): every tracked event re-serialises its whole outbound queue into localStorage ' +
    '(`JSON.stringify` + `setItem`), so a burst costs quadratic time after the loop; that is most of its main-thread figure. It then posts the queue in ' +
    'batches of up to 40 kB (`maxPostBytes`), one after another.',
  'Segment spends most of its per-event time reading `document.cookie` (its user/anonymous ids) and sends one request per event.',
  'Plausible and OpenPanel send every event with `fetch(…, { keepalive: true })`, and Chromium caps in-flight keepalive requests ' +
    '(`net::ERR_INSUFFICIENT_RESOURCES`): in a 1,000-event burst Plausible loses the events whose request is refused (it does not retry; see ' +
    '"delivered"), OpenPanel retries them with back-off (all arrive, at extra cost). Umami uses plain `fetch` and gets every event through.',
  'Batching vs. sending per event: spur, PostHog and Snowplow put many events in one request; Segment, OpenPanel, Plausible and Umami make one request per ' +
    'event and pay its fixed cost (a `fetch`, its headers, a round trip) every time. The header column is HTTP/1.1 text as received on loopback; over HTTP/2 ' +
    'to a real collector HPACK shrinks repeated headers, so it overstates the per-event senders\' wire cost somewhat. The body columns are exact.',
  '1,000 events in one synchronous loop is a stress test of per-event cost, not a shop\'s traffic: it favours batching and punishes per-event ' +
    'requests more than a real page would (one page view sends a handful of events).',
  'Times are wall-clock durations of main-thread tasks on a 2-core machine that also runs the browser\'s network process and the sink, so trackers ' +
    'that make 1,000 requests compete with their own traffic for CPU and vary more between runs: compare orders of magnitude, not a few percent. ' +
    'The "no tracker" row is the harness\'s own floor. Trackers that send on a timer (PostHog, every 3 s) are waited for: after the loop the harness ' +
    'waits until events have arrived (at most 6 s without any), then for 2 s without a request.',
  'A tracker gets at most 60 s (`--tracker-budget`) for all its runs; one that needs more is reported with the runs it finished.',
];

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  mkdirSync(join(WORK, 'bundles'), { recursive: true });
  const spur = spurInfo();
  const selected = TRACKERS.filter((t) => !OPTS.only || OPTS.only.includes(t.id) || (t.baseline && OPTS.only.includes('baseline')));
  const notes = [];

  let umamiPath = null;
  let umamiError = null;
  if (selected.some((t) => t.id === 'umami')) {
    try {
      umamiPath = ensureTrackerSource('umami').path;
    } catch (e) {
      umamiError = String(e.message || e);
      log(`umami: ${umamiError}`);
    }
  }

  // --- sizes
  const sizes = [];
  const runnable = [];
  for (const t of selected) {
    let meta = t.pkg ? packageMeta(t.pkg) : null;
    if (t.id === 'umami') meta = { name: 'umami', version: PKG.trackerSources.umami.version, license: PKG.trackerSources.umami.license };
    if (t.id === 'spur') meta = { name: '@spur/sdk', version: spur.version, license: 'MIT' };
    const row = {
      id: t.id,
      name: displayName(t, spur),
      pkgLabel: t.baseline ? '—' : `${meta?.name ?? t.pkg}@${meta?.version ?? '?'}`,
      license: t.baseline ? null : meta?.license ?? null,
    };
    if (t.id === 'spur' && !spur.built) {
      sizes.push({ ...row, error: 'not built' });
      notes.push('spur: `packages/sdk/dist/index.js` does not exist (run `pnpm build`); spur was not measured.');
      continue;
    }
    if (t.id === 'umami' && !umamiPath) {
      sizes.push({ ...row, error: umamiError });
      notes.push(`Umami: its tracker source could not be fetched (${umamiError}); not measured.`);
      continue;
    }
    try {
      log(`bundling ${t.id}`);
      sizes.push({ ...row, ...(await bundle(t, umamiPath)) });
      runnable.push(t);
    } catch (e) {
      const msg = String(e.message || e).split('\n').slice(0, 3).join(' ');
      sizes.push({ ...row, error: msg });
      notes.push(`${row.name}: bundling failed (${msg}); not measured.`);
    }
    if (t.id === 'spur') {
      if (spur.iifeBuilt) {
        const buf = readFileSync(spur.iife);
        sizes.push({
          id: 'spur-iife',
          name: `${displayName(t, spur)} — shipped \`sdk.js\` (script-tag IIFE, as is)`,
          pkgLabel: row.pkgLabel,
          license: 'MIT',
          file: relative(HERE, spur.iife),
          ...sizesOf(buf),
          esmInitialGzip: null,
          esmLazyGzip: null,
          esmLazyChunks: 0,
        });
      } else notes.push('spur: `packages/sdk/dist/sdk.js` (the shipped IIFE) does not exist, so it was not measured.');
    }
  }
  // the baseline row is not a tracker: drop it from the size table
  const sizeRows = sizes.filter((s) => s.id !== 'baseline');

  // --- cost
  const costs = [];
  let chromiumVersion = null;
  for (const t of runnable) {
    log(`measuring ${t.id} in Chromium (${OPTS.runs} runs)`);
    const size = sizes.find((x) => x.id === t.id);
    const m = await measureTracker(t, size);
    if (size) {
      if (m.esm && !m.esm.error) {
        size.esmLoadedGzip = m.esm.gzip;
        size.esmLoadedFiles = m.esm.files;
      } else if (size.esmLazyChunks === 0) size.esmLoadedGzip = size.esmInitialGzip; // nothing lazy to load
      if (m.esm?.error) size.esmLoadError = m.esm.error;
    }
    chromiumVersion ??= m.chromiumVersion;
    const keys = [
      'syncMs', 'busyMs', 'scriptMs', 'busyBeforeFlushMs', 'requests', 'preflights', 'eventsDelivered', 'eventOccurrences',
      'payloadBytes', 'wireBodyBytes', 'headerBytes', 'jsBytes', 'externalRequests', 'compressedRequests', 'heapAfterInit', 'failedRequests',
    ];
    const stats = m.runs.length ? Object.fromEntries(keys.map((k) => [k, summary(m.runs, k)])) : null;
    costs.push({ id: t.id, name: displayName(t, spur), runs: m.runs, stats, stopped: m.stopped, ms: m.ms });
    if (m.stopped && !m.stopped.startsWith('time limit')) notes.push(`${displayName(t, spur)}: stopped early — ${m.stopped}.`);
  }

  // --- per-tracker facts worth a line, from what was observed
  for (const r of costs) {
    if (!r.stats) continue;
    const s = r.stats;
    const first = r.runs[0];
    const facts = [];
    const pathKeys = [...new Set(r.runs.flatMap((x) => Object.keys(x.paths)))];
    const paths = pathKeys.map((p) => `${B(median(r.runs.map((x) => x.paths[p] ?? 0)))}× \`${p}\``).join(', ');
    if (paths) facts.push(`sent ${paths} (median per run)`);
    if (s.compressedRequests.median > 0) {
      facts.push(
        `${s.compressedRequests.median === s.requests.median ? 'its requests were' : `${B(s.compressedRequests.median)} of its requests were`} ` +
          `compressed or encoded: ${B(s.payloadBytes.median)} B of payload went as ${B(s.wireBodyBytes.median)} B`,
      );
    }
    if (s.eventsDelivered.median < OPTS.events && !r.id.startsWith('baseline')) {
      facts.push(
        `only ${B(s.eventsDelivered.median)} of ${B(OPTS.events)} events reached the sink before the network had been quiet for 2 s ` +
          '(the rest were dropped, refused by the browser, or still waiting for a retry)',
      );
    }
    if (s.failedRequests.median > 0) {
      const why = [...new Set(r.runs.flatMap((x) => x.failedWhy))].join(', ');
      facts.push(`${B(s.failedRequests.median)} of its requests failed in the browser (${why})`);
    }
    if (s.eventOccurrences.median > s.eventsDelivered.median) facts.push(`some events arrived more than once (${B(s.eventOccurrences.median)} copies)`);
    if (s.externalRequests.max > 0) facts.push(`tried to call off-box hosts: ${first.external.slice(0, 3).join(', ')}`);
    if (first.init.requests > 0) facts.push(`${first.init.requests} request(s) during initialisation (not counted above)`);
    if (r.runs.some((x) => x.settleTimedOut)) facts.push('the network did not go quiet within 20 s in some run');
    if (first.errors.length) facts.push(`page errors: ${first.errors.slice(0, 2).map((e) => `\`${e.replace(/`/g, "'")}\``).join('; ')}`);
    if (!first.hasFlush && r.id !== 'baseline') facts.push('no public flush');
    if (r.runs.length < OPTS.runs) facts.push(`${r.runs.length} of ${OPTS.runs} runs fit in its time budget`);
    if (facts.length) notes.push(`${r.name}: ${facts.join('; ')}.`);
  }
  notes.push(...STATIC_NOTES);

  const totalMs = performance.now() - T_START;
  const env = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    esbuild: esbuild.version,
    chromium: chromiumVersion,
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
    cores: os.cpus().length,
  };
  const results = {
    env,
    opts: OPTS,
    spur: { ...spur, dist: SPUR_DIST, overridden: SPUR_OVERRIDDEN },
    sizes: sizeRows,
    costs: costs.map((c) => ({ ...c, runs: c.runs })),
    notes,
    totalMs,
  };
  const md = buildMarkdown(results);
  writeFileSync(join(WORK, 'report.md'), `${md}\n`);
  writeFileSync(join(WORK, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${md}\n`);
  log(`done in ${(totalMs / 1000).toFixed(1)} s; wrote ${relative(process.cwd(), join(WORK, 'report.md'))} and results.json`);
}

// Whole-run bound: every tracker has its own budget; this is the last resort.
const overall = setTimeout(
  () => {
    log('overall time limit reached: stopping');
    cleanup().finally(() => process.exit(3));
  },
  (TRACKERS.length * (OPTS.trackerBudgetMs + 15_000)) + 300_000,
);
overall.unref();

try {
  await main();
} catch (e) {
  log(`failed: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
