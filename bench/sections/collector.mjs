// Section 1: collector throughput and latency, end to end into an embedded ClickHouse, with the
// ceilings (bare Fastify parse, direct bulk insert), half load, overload, the spool path while
// ClickHouse is down and its replay, and a CPU profile of the collector under load.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  COLLECTOR_MAIN,
  collectorRequire,
  ClickHouseHttp,
  LOG_DIR,
  OTHER_LOAD_WARN_PCT,
  REPO,
  WORK,
  ensureDir,
  fmt,
  freePort,
  httpStatus,
  loadCollectorModule,
  log,
  mean,
  median,
  rel,
  scrapeMetrics,
  sleep,
  spawnNode,
  startSampler,
  table,
  tail,
  waitFor,
  waitForMerges,
} from '../lib/common.mjs';
import { collectorEnv, drainSpool, startClickHouseNextToCollector, startCollectorProcess } from '../lib/collector-process.mjs';
import { SERVER_KEY, SITE, nextCounter, runLoad, runPaced, validateBodies } from '../lib/load.mjs';
import { USER_AGENTS, buildBodies, stamp, visitorHeaders } from '../lib/payloads.mjs';
import { hotLines, summarizeProfile } from '../lib/profile.mjs';

const TARGET_EPS = 50_000;
const GOAL_EPS = 100_000;
const TARGET_PARSE_RATIO = 0.4;
const TARGET_P99_HALF_MS = 50;
const TARGET_OVERLOAD_RSS = 300 * 1024 * 1024;
/** Ceiling runs around one collector run further apart than this (share of their mean) are called out. */
const CEILING_DRIFT_WARN = 0.15;

export function collectorPlan(quick) {
  return {
    batches: [20, 50],
    // A collector's clients are many browsers: 128 connections keep the measurement CPU-bound
    // rather than bound by one request's latency (fsync'd ack) times too few connections.
    connections: 128,
    e2eSeconds: quick ? 5 : 15,
    bareSeconds: quick ? 4 : 6,
    warmSeconds: quick ? 1 : 2,
    halfSeconds: quick ? 4 : 8,
    // Paced load at the same rate before each half-load measurement, not measured: the step from
    // idle to load (first inserts, merges they trigger) is not the steady state the target is about.
    halfWarmupSeconds: quick ? 1 : 2,
    overloadSeconds: quick ? 4 : 10,
    overloadConnections: 1000,
    recoverySeconds: 3,
    spoolSeconds: quick ? 4 : 10,
    profileSeconds: quick ? 5 : 10,
    replayTimeoutSeconds: 45,
    abortRounds: 5,
    steadyStatePageViews: 120_000,
    burst: 200,
    bulkBlocks: quick ? 2 : 3,
    bulkRows: 200_000,
  };
}

export async function runCollectorSection({ quick = false, profile = true } = {}) {
  const plan = collectorPlan(quick);
  const started = performance.now();
  const res = { plan, clickhouseNice: 0, ceilings: { bare: {}, bareAfter: {}, bulk: undefined }, e2e: {}, half: {}, checks: [], problems: [] };
  const tmp = mkdtempSync(join(os.tmpdir(), 'spur-bench-'));
  // NODE_FLAGS: the Node flags the collector is deployed with (its Dockerfile CMD), so the bench
  // measures the collector as it runs in production.
  const { MIGRATIONS, EVENT_ROW_COLUMNS, NODE_FLAGS } = await loadCollectorModule();
  res.fastifyVersion = collectorRequire('fastify/package.json').version;

  const bodies = {};
  for (const batch of plan.batches) bodies[batch] = buildBodies({ site: SITE, batch, count: 200 });
  res.bodies = Object.fromEntries(plan.batches.map((b) => [b, { distinct: bodies[b].templates.length, avgBytes: Math.round(bodies[b].avgBytes), typeMix: bodies[b].typeMix }]));
  log(`bodies: ${plan.batches.map((b) => `${b} events ≈ ${(bodies[b].avgBytes / 1024).toFixed(1)} KiB`).join(', ')}`);

  let clickhouse;
  let collector;
  const cleanups = [];
  try {
    // ---------------------------------------------------------------- ceiling (a): bare Fastify
    // Measured before the collector's full-speed runs and again right after each of them: this
    // machine's speed moves by tens of percent within minutes, and the ratio to this ceiling is
    // a target, so each ratio is taken against the ceiling around its own run (their mean).
    const barePort = await freePort();
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const bare = spawnNode([join(REPO, 'bench/lib/bare-server.mjs'), String(barePort)], { name: 'bare-fastify' });
    cleanups.push(() => bare.stop());
    if (!(await waitFor(async () => (await httpStatus(`${bareUrl}/healthz`)) === 200, { timeoutMs: 20_000 }))) {
      throw new Error(`bare Fastify server did not start:\n${tail(bare.logFile)}`);
    }
    // `idle`: the bench's other processes, idle now, named so their CPU is not counted as other load's.
    const measureBare = async (batch, when, idle = {}) => {
      await runLoad(bareUrl, bodies[batch], { duration: plan.warmSeconds, connections: plan.connections });
      const sampler = startSampler({ server: bare.pid, ...idle });
      const run = await runLoad(bareUrl, bodies[batch], { duration: plan.bareSeconds, connections: plan.connections });
      run.procs = sampler.stop();
      log(`bare Fastify, ${batch}/batch, ${when}: ${fmt.int(run.eventsPerSec)} events/s, p99 ${run.latency.p99} ms, server CPU ${fmt.pct(run.procs.procs.server.cpuPct)}`);
      return run;
    };
    for (const batch of plan.batches) res.ceilings.bare[batch] = await measureBare(batch, 'before the collector');

    // ---------------------------------------------------------------- ClickHouse + collector
    // Collector settings to compare runs by (e.g. SPUR_INGEST_WORKERS=0 node bench/run.mjs …):
    // taken from the bench's own environment and shown in the report with the rest.
    const TUNABLES_FROM_ENV = Object.fromEntries(
      ['SPUR_INGEST_WORKERS', 'SPUR_FLUSH_INTERVAL_MS', 'SPUR_INSERT_MAX_MB', 'SPUR_MAX_INFLIGHT'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]),
    );
    const chDir = join(tmp, 'clickhouse');
    const chPort = await freePort();
    clickhouse = await startClickHouseNextToCollector({ port: chPort, dataDir: chDir });
    cleanups.push(() => clickhouse?.stop());
    res.clickhouseNice = clickhouse.nice;
    const ch = new ClickHouseHttp(clickhouse.url);
    res.clickhouseVersion = (await ch.one('SELECT version() AS v')).v;
    log(`ClickHouse ${res.clickhouseVersion} on ${clickhouse.url}`);

    const collectorPort = await freePort();
    const collectorUrl = `http://127.0.0.1:${collectorPort}`;
    const envFor = (spoolDir) => collectorEnv({ port: collectorPort, clickhouseUrl: clickhouse.url, spoolDir, extra: TUNABLES_FROM_ENV });
    res.collectorNodeFlags = [...NODE_FLAGS];
    res.collectorEnv = { ...envFor('<tmp>/spool'), CLICKHOUSE_URL: '<embedded>', SPUR_PORT: '<free port>', SPUR_SITES: `[{"id":"${SITE}","serverKey":"…"}]` };
    const startCollector = async (name, { nodeOptions = [], spool = name } = {}) => {
      const proc = await startCollectorProcess({ main: COLLECTOR_MAIN, name, env: envFor(join(tmp, `spool-${spool}`)), nodeOptions: [...NODE_FLAGS, ...nodeOptions] });
      cleanups.push(() => proc.stop());
      return proc;
    };
    collector = await startCollector('collector');
    const pids = () => ({ collector: collector.pid, clickhouse: () => clickhouse.pid });

    // Bookkeeping for the exactly-once checks: what clients saw acknowledged, what the collector
    // counted as accepted (across collector restarts), what is unknown (aborted in flight).
    const totals = { clientAcked: 0, unansweredEvents: 0, collectorAcceptedBefore: 0 };
    const account = (run) => {
      totals.clientAcked += run.ackedEvents;
      totals.unansweredEvents += (run.unanswered + run.timeouts) * run.batch;
    };
    const metrics = () => scrapeMetrics(collectorUrl);
    const drain = (timeoutMs) => drainSpool(collectorUrl, timeoutMs);
    const check = async (label) => {
      const m = await metrics();
      const row = await ch.one('SELECT count() AS rows, uniqExact(event_id) AS ids FROM spur.events');
      const rows = Number(row.rows);
      const ids = Number(row.ids);
      const collectorAccepted = totals.collectorAcceptedBefore + (m.spur_events_accepted_total ?? 0);
      const rejected = m.spur_events_rejected_total ?? 0;
      const exactlyOnce = rows === ids && rows === collectorAccepted;
      const clientConsistent = rows >= totals.clientAcked && rows <= totals.clientAcked + totals.unansweredEvents;
      const c = { label, rows, ids, collectorAccepted, clientAcked: totals.clientAcked, unansweredEvents: totals.unansweredEvents, rejected, ok: exactlyOnce && clientConsistent && rejected === 0 };
      res.checks.push(c);
      const msg = `check after ${label}: ClickHouse rows ${rows}, distinct ids ${ids}, collector accepted ${collectorAccepted}, clients saw ${totals.clientAcked} acked (+ ≤ ${totals.unansweredEvents} unanswered)`;
      if (!c.ok) {
        res.problems.push(`**Exactly-once check failed after ${label}:** ${msg}`);
        log(`!!! ${msg}`);
      } else log(msg);
      return c;
    };

    // Every body once, answer checked: all events valid, nothing rejected.
    for (const batch of plan.batches) {
      const v = await validateBodies(collectorUrl, bodies[batch]);
      totals.clientAcked += v.events;
      if (v.failures.length) {
        res.problems.push(`**${v.failures.length} of ${bodies[batch].templates.length} bodies of ${batch} events were not fully accepted:** ${JSON.stringify(v.failures.slice(0, 3))}`);
      }
    }
    log(`validated ${plan.batches.map((b) => bodies[b].templates.length).join(' + ')} bodies`);

    // ---------------------------------------------------------------- fresh collector → steady state
    // The collector keeps bounded per-page state (the SDK delivery tracker remembers the last
    // 100,000 page views); a collector in production is always at that bound, so the measured
    // runs start only after more page views than that. This warm-up is measured too: it shows
    // what a freshly started collector does before it reaches steady state.
    {
      const batch = plan.batches[0];
      const requests = Math.ceil(plan.steadyStatePageViews / pageViewsPerRequest(bodies[batch]));
      const m0 = await metrics();
      const sampler = startSampler(pids());
      const run = await runLoad(collectorUrl, bodies[batch], { duration: 30, maxRequests: requests, connections: plan.connections });
      run.procs = sampler.stop();
      run.internals = internals(m0, await metrics());
      run.pageViews = Math.round(run.ok * pageViewsPerRequest(bodies[batch]));
      account(run);
      res.fresh = run;
      await drain();
      log(`fresh collector, ${batch}/batch, first ${fmt.int(run.pageViews)} page views: ${fmt.int(run.eventsPerSec)} acked events/s, collector CPU ${fmt.pct(run.procs.procs.collector.cpuPct)}`);
    }

    // ---------------------------------------------------------------- end to end, full speed
    for (const batch of plan.batches) {
      account(await runLoad(collectorUrl, bodies[batch], { duration: plan.warmSeconds, connections: plan.connections }));
      await drain();
      const m0 = await metrics();
      const sampler = startSampler(pids());
      const run = await runLoad(collectorUrl, bodies[batch], { duration: plan.e2eSeconds, connections: plan.connections });
      const m1 = await metrics();
      const pendingAtEnd = m1.spur_spool_pending_records;
      const d = await drain();
      run.procs = sampler.stop();
      run.internals = internals(m0, m1);
      run.pendingAtEnd = pendingAtEnd;
      run.drainSeconds = d.seconds;
      run.e2eEventsPerSec = run.ackedEvents / (run.seconds + d.seconds);
      account(run);
      run.check = await check(`end-to-end, ${batch}/batch`);
      res.e2e[batch] = run;
      log(`collector, ${batch}/batch: ${fmt.int(run.eventsPerSec)} acked events/s, end to end ${fmt.int(run.e2eEventsPerSec)}/s, p50 ${run.latency.p50} ms p99 ${run.latency.p99} ms, non-2xx ${run.non2xx}, collector CPU ${fmt.pct(run.procs.procs.collector.cpuPct)}, drain ${d.seconds.toFixed(1)} s`);
      // The ceiling again, once ClickHouse has merged what the run inserted (merges would take
      // CPU from the bare server) and with the collector idle.
      await waitForMerges(ch);
      res.ceilings.bareAfter[batch] = await measureBare(batch, 'after the collector', { collector: collector.pid, clickhouse: clickhouse.pid });
    }
    await bare.stop();

    // ---------------------------------------------------------------- ceiling (b): bulk insert
    res.ceilings.bulk = await bulkInsertCeiling(ch, { MIGRATIONS, EVENT_ROW_COLUMNS }, plan, () => startSampler({ clickhouse: clickhouse.pid }));

    // ---------------------------------------------------------------- half load: p99
    // The runs before (full speed, the bulk-insert ceiling) leave ClickHouse merging parts for a
    // while; latency at half load is measured once those merges are done, as in steady operation.
    const settleMerges = async () => (await waitForMerges(ch)).seconds;
    res.halfMergeWaitSeconds = 0;
    for (const batch of plan.batches) {
      res.halfMergeWaitSeconds += await settleMerges();
      const e2e = res.e2e[batch];
      const sustainableRps = Math.min(e2e.requestsPerSec, e2e.e2eEventsPerSec / batch);
      const rate = Math.max(1, Math.round(0.5 * sustainableRps));
      // CPU and the collector's own counters cover the measured part only, like the latencies.
      let sampler;
      let m0;
      const onMeasure = () => {
        sampler = startSampler(pids());
        m0 = metrics();
      };
      const run = await runPaced(collectorUrl, bodies[batch], { rate, duration: plan.halfSeconds, warmup: plan.halfWarmupSeconds, onMeasure });
      const warmFailures = run.warmup.non2xx + run.warmup.errors;
      if (warmFailures > 0) res.problems.push(`**Half load, ${batch}/batch:** ${warmFailures} of the ${run.warmup.sent} warm-up requests failed.`);
      run.procs = sampler.stop();
      run.internals = internals(await m0, await metrics());
      run.targetRps = rate;
      account(run);
      res.half[batch] = run;
      log(`half load, ${batch}/batch @ ${rate} req/s: got ${fmt.int(run.requestsPerSec)} req/s, p50 ${fmt.ms(run.latency.p50)}, p99 ${fmt.ms(run.latency.p99)}, non-2xx ${run.non2xx + run.errors}`);
    }
    await drain();
    await check('half load');

    // ---------------------------------------------------------------- overload: 10× sustainable
    {
      const batch = plan.batches[0];
      const e2e = res.e2e[batch];
      const sustainableRps = Math.min(e2e.requestsPerSec, e2e.e2eEventsPerSec / batch);
      const rate = Math.round(10 * sustainableRps);
      const sampler = startSampler(pids());
      const run = await runLoad(collectorUrl, bodies[batch], { duration: plan.overloadSeconds, connections: plan.overloadConnections, overallRate: rate, timeout: 10 });
      run.procs = sampler.stop();
      run.targetRps = rate;
      account(run);
      const shed = (run.statusCounts[503] ?? 0) + (run.statusCounts[429] ?? 0);
      run.shedShare = run.responses ? shed / run.responses : 0;
      run.readyzAfter = await httpStatus(`${collectorUrl}/readyz`);
      const d = await drain();
      run.drainSeconds = d.seconds;
      run.readyzAfterDrain = await httpStatus(`${collectorUrl}/readyz`);
      const recovery = await runLoad(collectorUrl, bodies[batch], { duration: plan.recoverySeconds, connections: plan.connections });
      account(recovery);
      run.recovery = recovery;
      await drain();
      run.check = await check('overload + recovery');
      res.overload = run;
      run.recovered = recovery.ok > 0 && (recovery.non2xx + recovery.errors) / Math.max(1, recovery.responses + recovery.errors) < 0.05;

      // Clients that give up: requests aborted in flight must not cost the collector capacity.
      if (run.recovered) {
        let aborted = 0;
        for (let i = 0; i < plan.abortRounds; i++) {
          const r = await runLoad(collectorUrl, bodies[batch], { duration: 1, connections: 64, graceful: false });
          account(r);
          aborted += r.unanswered;
        }
        await drain();
        const b = await burst(collectorUrl, bodies[batch], plan.burst);
        totals.clientAcked += b.ok * batch;
        totals.unansweredEvents += b.failed * batch;
        run.aborts = { aborted, burst: plan.burst, ...b };
        log(`aborts: ${aborted} requests aborted in flight, then a burst of ${plan.burst} concurrent batches: ${b.ok} × 2xx, ${b.status503} × 503`);
        if (b.status503 > 0) {
          res.problems.push(
            `**Requests aborted by clients leak the collector's in-flight slots:** after ${aborted} requests were aborted mid-flight (autocannon closing its connections), a burst of ${plan.burst} concurrent batches got ${b.status503} × 503 \`${b.first503}\` although nothing else was running. ` +
              'Each aborted request that is never released lowers `SPUR_MAX_INFLIGHT` for good; once all slots are gone every batch is refused while /readyz says ready.',
          );
        }
        await drain();
        await check('aborted requests + burst');
      }
      if (!run.recovered || run.aborts?.status503 > 0) {
        const m = await metrics();
        const codes = Object.entries(recovery.statusCounts).map(([k, v]) => `${k}: ${v}`).join(', ');
        if (!run.recovered) {
          res.problems.push(
            `**The collector did not recover after the overload:** the ${plan.recoverySeconds} s normal run afterwards got ${codes || 'no answers'} (${recovery.errors} errors) while /readyz said ${run.readyzAfterDrain}. ` +
              'The bench restarted the collector on the same spool to measure the spool path.',
          );
        }
        totals.collectorAcceptedBefore += m.spur_events_accepted_total ?? 0;
        await collector.stop();
        collector = await startCollector('collector-after-overload', { spool: 'collector' });
        await drain();
        await check('collector restarted (same spool)');
      }
      log(`overload ${batch}/batch, target ${rate} req/s with ${plan.overloadConnections} connections: offered ${fmt.int(run.offeredPerSec)} req/s, 2xx ${fmt.int(run.requestsPerSec)} req/s, shed ${fmt.pct(100 * run.shedShare, 1)}, timeouts ${run.timeouts}, peak RSS ${fmt.mb(run.procs.procs.collector.peakRssBytes)}; recovery ${fmt.int(recovery.eventsPerSec)} events/s, ${recovery.non2xx} non-2xx`);
    }

    // ---------------------------------------------------------------- spool path: ClickHouse down
    {
      const batch = plan.batches[0];
      await clickhouse.stop();
      const chDownAt = performance.now();
      // Let the collector notice (its next insert attempt fails) before measuring.
      await sleep(500);
      const sampler = startSampler({ collector: collector.pid });
      const run = await runLoad(collectorUrl, bodies[batch], { duration: plan.spoolSeconds, connections: plan.connections });
      run.procs = sampler.stop();
      account(run);
      const m0 = await metrics();
      run.pendingRecords = m0.spur_spool_pending_records;
      run.pendingBytes = m0.spur_spool_pending_bytes;
      run.readyzWhileDown = await httpStatus(`${collectorUrl}/readyz`);
      const insertedBefore = m0['spur_insert_rows_total{table="events"}'] ?? 0;
      const t0 = performance.now();
      clickhouse = await startClickHouseNextToCollector({ port: chPort, dataDir: chDir });
      const tReady = performance.now();
      let tFirst;
      const poll = await waitFor(
        async () => {
          const m = await metrics();
          if (tFirst === undefined && (m['spur_insert_rows_total{table="events"}'] ?? 0) > insertedBefore) tFirst = performance.now();
          return m.spur_spool_pending_records === 0 ? m : undefined;
        },
        { timeoutMs: plan.replayTimeoutSeconds * 1000, intervalMs: 50 },
      );
      const tDrained = performance.now();
      const stuck = poll ? undefined : await metrics();
      const replayedRows = poll ? poll['spur_insert_rows_total{table="events"}'] - insertedBefore : undefined;
      run.replay = {
        clickhouseDownSeconds: (t0 - chDownAt) / 1000,
        clickhouseStartSeconds: (tReady - t0) / 1000,
        firstInsertAfterReadySeconds: tFirst ? (tFirst - tReady) / 1000 : undefined,
        drainedAfterReadySeconds: (tDrained - tReady) / 1000,
        replayedRows,
        replayEventsPerSec: tFirst && replayedRows ? replayedRows / ((tDrained - tFirst) / 1000) : undefined,
        drained: Boolean(poll),
      };
      run.readyzAfter = await httpStatus(`${collectorUrl}/readyz`);
      if (stuck) {
        run.replay.stuck = {
          pendingRecords: stuck.spur_spool_pending_records,
          insertedRows: (stuck['spur_insert_rows_total{table="events"}'] ?? 0) - insertedBefore,
          insertFailures: stuck.spur_insert_failures_total,
        };
        res.problems.push(
          `**The spool did not drain within ${plan.replayTimeoutSeconds} s after ClickHouse came back:** ${fmt.int(stuck.spur_spool_pending_records)} requests still pending, ` +
            `${fmt.int(run.replay.stuck.insertedRows)} rows inserted since, ${fmt.int(stuck.spur_insert_failures_total)} insert failures counted. ` +
            'Acknowledged events are stuck in the spool until the collector restarts (see "replay after a collector restart" below).',
        );
        await check('ClickHouse back, spool not drained');
        // Does a restart on the same spool recover them, exactly once?
        totals.collectorAcceptedBefore += stuck.spur_events_accepted_total ?? 0;
        await collector.stop();
        const t1 = performance.now();
        collector = await startCollector('collector-restarted', { spool: 'collector' });
        const tUp = performance.now();
        const { drained } = await drain(plan.replayTimeoutSeconds * 1000);
        run.replay.restart = { startSeconds: (tUp - t1) / 1000, drainedAfterStartSeconds: (performance.now() - tUp) / 1000, drained };
        log(`restarted the collector on the same spool: ${drained ? 'drained' : 'NOT drained'} ${run.replay.restart.drainedAfterStartSeconds.toFixed(1)} s after start`);
        run.check = await check('collector restart on the same spool');
      } else run.check = await check('spool replay');
      res.spool = run;
      log(`ClickHouse down, ${batch}/batch: ${fmt.int(run.eventsPerSec)} acked events/s into the spool (${fmt.mb(run.pendingBytes)} pending); replay ${fmt.int(replayedRows)} rows at ${fmt.int(run.replay.replayEventsPerSec)}/s, first insert ${fmt.s(run.replay.firstInsertAfterReadySeconds)} after ClickHouse was up, drained after ${fmt.s(run.replay.drainedAfterReadySeconds)}`);
    }

    // Storage of what the collector wrote (realistic rows).
    res.storage = await ch.one(
      "SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS uncompressed, count() AS parts FROM system.parts WHERE active AND database = 'spur' AND table = 'events'",
    );

    // ---------------------------------------------------------------- CPU profile of the collector
    if (profile) {
      const m = await metrics();
      totals.collectorAcceptedBefore += m.spur_events_accepted_total ?? 0;
      await collector.stop();
      const profDir = ensureDir(join(WORK, 'profile'));
      for (const f of readdirSync(profDir)) rmSync(join(profDir, f), { force: true });
      collector = await startCollector('collector-profiled', { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
      // Past the per-page bound first, as above, so the profile shows the steady state.
      const warm = Math.ceil(plan.steadyStatePageViews / pageViewsPerRequest(bodies[plan.batches[0]]));
      account(await runLoad(collectorUrl, bodies[plan.batches[0]], { duration: 30, maxRequests: warm, connections: plan.connections }));
      await drain();
      // One profiled process, one load window per batch size; each window is summarised alone.
      const windows = [];
      for (const batch of plan.batches) {
        const sampler = startSampler({ collector: collector.pid, clickhouse: clickhouse.pid });
        const fromUs = Number(process.hrtime.bigint() / 1000n);
        const run = await runLoad(collectorUrl, bodies[batch], { duration: plan.profileSeconds, connections: plan.connections });
        const toUs = Number(process.hrtime.bigint() / 1000n);
        run.procs = sampler.stop();
        account(run);
        await drain();
        windows.push({ batch, run, fromUs, toUs });
      }
      await check('profiled runs');
      const status = await collector.stop();
      // One .cpuprofile per thread: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; the main
      // thread is thread 0, the first ingest worker thread 1.
      const profiles = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort();
      const threadOf = (f) => Number(f.split('.').at(-3));
      const file = profiles.find((f) => threadOf(f) === 0) ?? profiles[0];
      const workerFile = profiles.find((f) => threadOf(f) > 0);
      res.profile = { exit: status, runs: {} };
      if (workerFile) res.profile.workerFile = rel(join(profDir, workerFile));
      if (file) {
        res.profile.file = rel(join(profDir, file));
        res.profile.hotLines = hotLines(join(profDir, file), { top: 12 });
      }
      else res.problems.push('The profiled collector wrote no .cpuprofile (did it exit cleanly on SIGTERM?).');
      for (const { batch, run, fromUs, toUs } of windows) {
        if (file) run.summary = summarizeProfile(join(profDir, file), { top: 20, fromUs, toUs });
        if (workerFile) run.workerSummary = summarizeProfile(join(profDir, workerFile), { top: 20, fromUs, toUs });
        res.profile.runs[batch] = run;
        log(`profiled run ${batch}/batch: ${fmt.int(run.eventsPerSec)} acked events/s, collector CPU ${fmt.pct(run.procs.procs.collector.cpuPct)}`);
      }
    }
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
  res.seconds = (performance.now() - started) / 1000;
  // Work this bench did not start (other people's tests, builds) competes for the two cores.
  const disturbed = [];
  for (const [label, run] of [
    ...Object.entries(res.ceilings.bare).map(([b, r]) => [`bare Fastify ${b}/batch`, r]),
    ...Object.entries(res.ceilings.bareAfter).map(([b, r]) => [`bare Fastify ${b}/batch after the collector`, r]),
    ...Object.entries(res.e2e).map(([b, r]) => [`end-to-end ${b}/batch`, r]),
    ...Object.entries(res.half).map(([b, r]) => [`half load ${b}/batch`, r]),
    ['overload', res.overload],
    ['spool path', res.spool],
    ['fresh collector', res.fresh],
    ...Object.entries(res.profile?.runs ?? {}).map(([b, r]) => [`profiled ${b}/batch`, r]),
  ]) {
    if (run?.procs?.otherPct > OTHER_LOAD_WARN_PCT) disturbed.push(`${label} (${fmt.pct(run.procs.otherPct)})`);
  }
  if (disturbed.length) res.problems.push(`**Other processes on this machine used CPU during:** ${disturbed.join(', ')} — of 200 %. Those numbers are lower than this machine can do; rerun on a quiet machine.`);
  return res;
}

/** Page views (new page_ids) per request with these bodies. */
function pageViewsPerRequest(bodies) {
  return (bodies.typeMix.page_view ?? 0) / bodies.templates.length;
}

/** `n` batches at once (fresh ids), answers counted; the first 503's body kept. */
async function burst(baseUrl, bodies, n) {
  const statuses = await Promise.all(
    Array.from({ length: n }, async () => {
      const counter = nextCounter();
      const visitor = visitorHeaders(counter);
      try {
        const response = await fetch(`${baseUrl}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain;charset=UTF-8', authorization: `Bearer ${SERVER_KEY}`, 'user-agent': visitor.ua, 'x-forwarded-for': visitor.ip },
          body: stamp(bodies.templates[counter % bodies.templates.length], counter),
          signal: AbortSignal.timeout(15_000),
        });
        return { status: response.status, text: await response.text() };
      } catch {
        return { status: 0, text: '' };
      }
    }),
  );
  const first = statuses.find((x) => x.status === 503);
  let first503 = '';
  try {
    first503 = first ? JSON.parse(first.text).message : '';
  } catch {
    first503 = first?.text.slice(0, 120) ?? '';
  }
  return { ok: statuses.filter((x) => x.status >= 200 && x.status < 300).length, status503: statuses.filter((x) => x.status === 503).length, failed: statuses.filter((x) => x.status === 0).length, first503 };
}

/** What the collector's own metrics say about a run: mean time to durable, inserts. */
function internals(m0, m1) {
  const d = (name) => (m1[name] ?? 0) - (m0[name] ?? 0);
  const acks = d('spur_ack_duration_seconds_count');
  const inserts = d('spur_insert_duration_seconds_count');
  const requests = d('spur_batch_request_duration_seconds_count');
  return {
    requestMeanMs: requests ? (1000 * d('spur_batch_request_duration_seconds_sum')) / requests : undefined,
    requestP99Ms: histogramQuantile(0.99, 'spur_batch_request_duration_seconds', d, m1),
    ackMeanMs: acks ? (1000 * d('spur_ack_duration_seconds_sum')) / acks : undefined,
    inserts,
    insertMeanMs: inserts ? (1000 * d('spur_insert_duration_seconds_sum')) / inserts : undefined,
    rowsPerInsert: inserts ? d('spur_insert_rows_total') / inserts : undefined,
  };
}

/**
 * The q-quantile (ms) of a Prometheus histogram's observations between two scrapes, interpolated
 * linearly inside its bucket as PromQL's histogram_quantile does; `{ ms, above }` when it lies in
 * the +Inf bucket (then only "above the largest bound" is known). `d` gives counter deltas.
 */
function histogramQuantile(q, name, d, m1) {
  const bounds = Object.keys(m1)
    .map((key) => /^(.+)_bucket\{le="([^"]+)"\}$/.exec(key))
    .filter((m) => m && m[1] === name && m[2] !== '+Inf')
    .map((m) => Number(m[2]))
    .sort((a, b) => a - b);
  const total = d(`${name}_count`);
  if (!total || bounds.length === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = d(`${name}_bucket{le="${bound}"}`);
    if (count >= rank) return { ms: 1000 * (lower + ((bound - lower) * (rank - below)) / Math.max(1, count - below)) };
    lower = bound;
    below = count;
  }
  return { ms: 1000 * lower, above: true };
}

async function bulkInsertCeiling(ch, { MIGRATIONS, EVENT_ROW_COLUMNS }, plan, sampler) {
  const out = { blocks: [], problems: [] };
  const t0 = performance.now();
  // The rows in the collector's own insert format: RowBinary, its column list (event-row.ts).
  const columns = EVENT_ROW_COLUMNS.map(([name]) => name).join(', ');
  out.format = 'RowBinary';
  const { bytes: body } = await ch.raw(`SELECT ${columns} FROM spur.events LIMIT ${plan.bulkRows} FORMAT RowBinary`, { binary: true });
  out.readSeconds = (performance.now() - t0) / 1000;
  out.rows = Math.min(plan.bulkRows, Number((await ch.one('SELECT count() AS c FROM spur.events')).c));
  out.bytes = body.length;
  // The same table, and the same materialized view feeding a copy of the daily overview, so the
  // insert does what a collector insert makes ClickHouse do.
  const v1 = MIGRATIONS.find((m) => m.version === 1);
  const mv = v1.statements.find((s) => s.includes('CREATE MATERIALIZED VIEW'));
  await ch.exec('DROP TABLE IF EXISTS spur.daily_overview_copy_mv SYNC');
  await ch.exec('DROP TABLE IF EXISTS spur.daily_overview_copy SYNC');
  await ch.exec('DROP TABLE IF EXISTS spur.events_copy SYNC');
  await ch.exec('CREATE TABLE spur.events_copy AS spur.events');
  await ch.exec('CREATE TABLE spur.daily_overview_copy AS spur.daily_overview');
  await ch.exec(
    mv
      .replaceAll('{db}.daily_overview_mv', 'spur.daily_overview_copy_mv')
      .replaceAll('{db}.daily_overview', 'spur.daily_overview_copy')
      .replaceAll('{db}.events', 'spur.events_copy'),
  );
  // The collector's insert settings; and once more without the insert-time ReplacingMergeTree
  // pass (optimize_on_insert = 0), to show what that pass costs.
  const settings = { insert_deduplicate: 0, max_insert_block_size: 100_000_000, date_time_input_format: 'basic' };
  const s = sampler();
  for (let i = 0; i < plan.bulkBlocks; i++) {
    const r = await ch.raw(`INSERT INTO spur.events_copy (${columns}) FORMAT RowBinary`, { body, settings });
    out.blocks.push(r.wallMs / 1000);
  }
  out.procs = s.stop();
  out.noOptimizeBlocks = [];
  for (let i = 0; i < 2; i++) {
    const r = await ch.raw(`INSERT INTO spur.events_copy (${columns}) FORMAT RowBinary`, { body, settings: { ...settings, optimize_on_insert: 0 } });
    out.noOptimizeBlocks.push(r.wallMs / 1000);
  }
  const copied = await ch.one('SELECT count() AS c FROM spur.events_copy');
  out.copiedRows = Number(copied.c);
  const expected = out.rows * (out.blocks.length + out.noOptimizeBlocks.length);
  // ReplacingMergeTree may already have merged copies of the same rows away: at most `expected`.
  if (out.copiedRows > expected || out.copiedRows < out.rows) out.problems.push(`events_copy holds ${out.copiedRows} rows, expected ≤ ${expected}`);
  out.medianSeconds = median(out.blocks);
  out.rowsPerSec = out.rows / out.medianSeconds;
  out.mbPerSec = out.bytes / 1024 / 1024 / out.medianSeconds;
  out.noOptimizeRowsPerSec = out.rows / median(out.noOptimizeBlocks);
  await ch.exec('DROP TABLE IF EXISTS spur.daily_overview_copy_mv SYNC');
  await ch.exec('DROP TABLE IF EXISTS spur.daily_overview_copy SYNC');
  await ch.exec('DROP TABLE IF EXISTS spur.events_copy SYNC');
  log(`bulk insert: ${out.rows} rows (${(out.bytes / 1024 / 1024).toFixed(0)} MB ${out.format}) × ${plan.bulkBlocks}: median ${out.medianSeconds.toFixed(2)} s → ${fmt.int(out.rowsPerSec)} rows/s`);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Markdown

const cpu = (procs, name) => fmt.pct(procs?.procs?.[name]?.cpuPct);
/** Collector CPU per acknowledged request, ms. */
const cpuPerRequest = (run) => (run?.procs?.procs?.collector?.cpuSeconds !== undefined && run.ok ? (1000 * run.procs.procs.collector.cpuSeconds) / run.ok : undefined);
const rss = (procs, name) => fmt.mb(procs?.procs?.[name]?.peakRssBytes);
const verdict = (ok) => (ok ? '✅' : '❌');
/** The bare server's runs at `b` per batch: before the collector's full-speed run and, if measured, after it. */
const bareRuns = (r, b) => [r.ceilings.bare[b], r.ceilings.bareAfter?.[b]].filter(Boolean);
/** The parse-only ceiling at `b` per batch, events/s: the mean of the runs around the collector's. */
const bareCeiling = (r, b) => mean(bareRuns(r, b).map((run) => run.eventsPerSec));
/** How far the two ceiling runs around the collector's differ, as a share of their mean (machine speed drift). */
const bareSpread = (r, b) => {
  const runs = bareRuns(r, b);
  return runs.length === 2 ? Math.abs(runs[0].eventsPerSec - runs[1].eventsPerSec) / bareCeiling(r, b) : undefined;
};
/** Acked events/s at `b` per batch ÷ the parse-only ceiling's events/s (target ≥ TARGET_PARSE_RATIO). */
const parseOnlyRatio = (r, b) => (r.e2e[b] && bareCeiling(r, b) ? r.e2e[b].eventsPerSec / bareCeiling(r, b) : undefined);
/** µs of a profiled thread's busy time (`summary`: main, `workerSummary`: an ingest worker) per acknowledged event. */
const threadUsPerEvent = (run, key, b) => (run?.[key] ? (1000 * run[key].busyMs) / (run.ok * b) : undefined);

export function collectorMarkdown(r) {
  const { plan } = r;
  const out = [];
  const bs = plan.batches;
  out.push('## 1. Collector throughput and latency');
  out.push('');
  if (r.problems.length) {
    out.push('> ⚠️ **Problems in this run**');
    for (const p of r.problems) out.push(`> - ${p}`);
    out.push('');
  }
  out.push(
    `Load: autocannon (programmatic, in the bench process) → collector (\`node ${(r.collectorNodeFlags ?? []).join(' ')} services/collector/dist/main.js\`, its own process) → embedded ClickHouse (its own process), all on this machine over loopback. ` +
      `${bs.map((b) => `${r.bodies[b].distinct} distinct bodies of ${b} events (≈ ${(r.bodies[b].avgBytes / 1024).toFixed(1)} KiB)`).join(' and ')}; every request gets fresh event ids. ` +
      `Back-end sends (\`Authorization: Bearer\`, \`text/plain\`) with the shopper's address in \`X-Forwarded-For\` (collector: \`SPUR_TRUST_PROXY=1\`) and a user agent from a pool of ${USER_AGENTS.length}: about 15,000 distinct visitors. ` +
      `${plan.connections} connections, pipelining 1; full-speed runs last ${plan.e2eSeconds} s after a ${plan.warmSeconds} s warm-up. CPU is % of one core from /proc/<pid>/stat; RSS peaks are sampled every 200 ms.`,
  );
  out.push('');
  const mix = r.bodies[bs[0]].typeMix;
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  out.push(`Event mix (${bs[0]}-event bodies): ${Object.entries(mix).sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${((100 * n) / total).toFixed(0)} %`).join(', ')}.`);
  out.push('');

  // Headline
  out.push('### Throughput, end to end');
  out.push('');
  const rows = [];
  if (r.fresh) {
    const f = r.fresh;
    rows.push([
      `freshly started, ${f.batch} events/batch, its first ${fmt.int(f.pageViews)} page views⁵`,
      fmt.int(f.eventsPerSec),
      '—',
      fmt.int(f.requestsPerSec),
      `${f.latency.p50} / ${f.latency.p99} ms`,
      f.non2xx + f.errors,
      `${cpu(f.procs, 'collector')} (${fmt.ms(cpuPerRequest(f), 2)}/req)`,
      cpu(f.procs, 'clickhouse'),
      cpu(f.procs, 'loadgen'),
      `${fmt.pct(f.procs.machineBusyPct)} (other: ${fmt.pct(f.procs.otherPct)})`,
      rss(f.procs, 'collector'),
      '—',
      fmt.ms(f.internals?.ackMeanMs),
      '—',
      '—',
    ]);
  }
  for (const b of bs) {
    const e = r.e2e[b];
    if (!e) continue;
    rows.push([
      `steady state, ${b} events/batch`,
      fmt.int(e.eventsPerSec),
      fmt.int(e.e2eEventsPerSec),
      fmt.int(e.requestsPerSec),
      `${e.latency.p50} / ${e.latency.p99} ms`,
      e.non2xx + e.errors,
      `${cpu(e.procs, 'collector')} (${fmt.ms(cpuPerRequest(e), 2)}/req)`,
      cpu(e.procs, 'clickhouse'),
      cpu(e.procs, 'loadgen'),
      `${fmt.pct(e.procs.machineBusyPct)} (other: ${fmt.pct(e.procs.otherPct)})`,
      rss(e.procs, 'collector'),
      fmt.s(e.drainSeconds),
      fmt.ms(e.internals?.ackMeanMs),
      fmt.ratio(parseOnlyRatio(r, b)),
      r.ceilings.bulk ? fmt.ratio(e.e2eEventsPerSec / r.ceilings.bulk.rowsPerSec) : '—',
    ]);
  }
  out.push(
    table(
      ['run', 'acked events/s', 'end-to-end events/s¹', 'requests/s', 'latency p50 / p99', 'non-2xx + errors', 'collector CPU (per request)', 'ClickHouse CPU', 'load gen CPU', 'machine busy of 200 % (other processes)', 'collector peak RSS', 'spool drain after', 'mean wait for the durable spool write⁴', 'vs parse-only ceiling²', 'vs bulk insert ceiling³'],
      rows,
    ),
  );
  out.push('');
  out.push('¹ acknowledged events ÷ (load time + time until the spool was empty, i.e. everything in ClickHouse).  ');
  out.push(`² acked events/s ÷ the bare-Fastify parse-only server's events/s with the same bodies, the mean of its runs right before and right after the collector's (target ≥ ${TARGET_PARSE_RATIO}).  `);
  out.push('³ end-to-end events/s ÷ rows/s of a direct bulk insert of the same rows into the same ClickHouse.  ');
  out.push('⁴ mean of the collector\'s `spur_ack_duration_seconds` (batch parsed → durable in the spool) over the run.  ');
  out.push(`⁵ the warm-up: a new collector until it has seen ${fmt.int(plan.steadyStatePageViews)} page views, more than the 100,000 its SDK delivery tracker remembers; every other run is in that steady state, as a collector in production is.`);
  out.push('');

  // Targets
  const best = Math.max(...bs.map((b) => r.e2e[b]?.e2eEventsPerSec ?? 0));
  const bestBatch = bs.find((b) => r.e2e[b]?.e2eEventsPerSec === best);
  const ratio = Math.min(...bs.map((b) => parseOnlyRatio(r, b)).filter((x) => x !== undefined));
  const p99Half = Math.max(...bs.map((b) => r.half[b]?.latency.p99 ?? Infinity));
  out.push('### Targets (issue)');
  out.push('');
  const targetRows = [
    ['≥ 50,000 events/s end to end (goal 100,000)', `${fmt.int(best)} events/s (${bestBatch} events/batch)`, best >= GOAL_EPS ? '✅ goal met' : verdict(best >= TARGET_EPS)],
    [`≥ ${TARGET_PARSE_RATIO} of the parse-only ceiling`, `${fmt.ratio(ratio)} (worst batch size)`, verdict(ratio >= TARGET_PARSE_RATIO)],
    ['p99 < 50 ms at half load', `${fmt.ms(p99Half)} (worst batch size)`, verdict(p99Half < TARGET_P99_HALF_MS)],
  ];
  if (r.overload) targetRows.push(['peak RSS < 300 MB under 10× overload', fmt.mb(r.overload.procs.procs.collector.peakRssBytes), verdict(r.overload.procs.procs.collector.peakRssBytes < TARGET_OVERLOAD_RSS)]);
  if (r.checks.length) targetRows.push(['every acknowledged event in ClickHouse exactly once', `${r.checks.filter((c) => c.ok).length} of ${r.checks.length} checks passed`, verdict(r.checks.every((c) => c.ok))]);
  out.push(table(['target', 'measured', ''], targetRows, ['l', 'r', 'l']));
  out.push('');

  // Ceilings
  out.push('### Ceilings, same run, same bodies');
  out.push('');
  const ceil = [];
  for (const b of bs) {
    for (const [when, c] of [['before', r.ceilings.bare[b]], ['after', r.ceilings.bareAfter?.[b]]]) {
      if (c) ceil.push([`(a) bare Fastify ${r.fastifyVersion ?? ''}: read text, JSON.parse, answer — ${b} events/batch, ${when} the collector's run`, `${fmt.int(c.eventsPerSec)} events/s (${fmt.int(c.requestsPerSec)} req/s)`, `p50 ${c.latency.p50} / p99 ${c.latency.p99} ms`, `server ${cpu(c.procs, 'server')}, load gen ${cpu(c.procs, 'loadgen')}`]);
    }
  }
  const bulk = r.ceilings.bulk;
  if (bulk) {
    ceil.push([
      `(b) direct bulk insert into a copy of spur.events (+ copy of the overview MV): ${fmt.int(bulk.rows)} rows (${fmt.mb(bulk.bytes)} ${bulk.format ?? 'JSONEachRow'}, as the collector inserts them) per insert, ${bulk.blocks.length} inserts`,
      `${fmt.int(bulk.rowsPerSec)} rows/s`,
      `median ${fmt.s(bulk.medianSeconds, 2)} per ${fmt.int(bulk.rows)}-row insert`,
      `ClickHouse ${cpu(bulk.procs, 'clickhouse')}`,
    ]);
    ceil.push([`(b′) the same with \`optimize_on_insert = 0\` (no insert-time ReplacingMergeTree pass; duplicates still collapse in merges)`, `${fmt.int(bulk.noOptimizeRowsPerSec)} rows/s`, `median ${fmt.s(median(bulk.noOptimizeBlocks), 2)}`, '']);
  }
  out.push(table(['ceiling', 'rate', 'time', 'CPU'], ceil, ['l', 'r', 'r', 'r']));
  out.push('');

  // Half load
  out.push('### Latency at half load');
  out.push('');
  out.push(
    table(
      ['run', 'target req/s (50 % of sustainable)', '2xx req/s', 'events/s', 'p50', 'p90', 'p99', 'max', 'non-2xx', 'collector CPU (per request)', 'ClickHouse CPU'],
      bs.filter((b) => r.half[b]).map((b) => {
        const h = r.half[b];
        const bad = Object.entries(h.statusCounts).filter(([k]) => !k.startsWith('2')).map(([k, v]) => `${k}: ${fmt.int(v)}`);
        if (h.errors) bad.push(`errors: ${h.errors}`);
        return [`${b} events/batch`, fmt.int(h.targetRps), fmt.int(h.requestsPerSec), fmt.int(h.eventsPerSec), fmt.ms(h.latency.p50, 1), fmt.ms(h.latency.p90, 1), fmt.ms(h.latency.p99, 1), fmt.ms(h.latency.max, 0), bad.join(', ') || '0', `${cpu(h.procs, 'collector')} (${fmt.ms(cpuPerRequest(h), 2)}/req)`, cpu(h.procs, 'clickhouse')];
      }),
    ),
  );
  out.push('');
  out.push(
    `Each run starts once ClickHouse has no merges running (waited ${fmt.s(r.halfMergeWaitSeconds ?? 0)} in all): the full-speed runs and the bulk-insert ceiling before it leave parts to merge. ` +
      'Open-loop load (`runPaced` in bench/lib/load.mjs): Poisson arrivals at the target rate over a keep-alive pool (pre-built requests on raw sockets, `lib/raw-http.mjs`, so the generator takes about half the CPU that node:http requests took), each request sent when due whether or not earlier ones were answered; latency is measured from when the request was due. ' +
      `Each run is ${r.plan.halfSeconds} s measured after ${r.plan.halfWarmupSeconds} s at the same rate that are not (the step from an idle collector to load — its first inserts and the merges they start — is not the steady state); CPU and the collector's counters are taken over the measured part too. ` +
      '(autocannon\'s `overallRate` is not used here: it sends each connection\'s per-second quota back to back at the start of every second — full-speed bursts, then idle — and back-fills its histogram with a 1 ms expected interval.)',
  );
  out.push('');

  // Overload
  if (r.overload) {
    const o = r.overload;
    out.push(`### Overload: 10× the sustainable rate for ${plan.overloadSeconds} s`);
    out.push('');
    const codes = Object.entries(o.statusCounts).map(([k, v]) => `${k}: ${fmt.int(v)}`).join(', ');
    out.push(
      table(
        ['metric', 'value'],
        [
          ['target (10× sustainable, ' + plan.batches[0] + ' events/batch)', `${fmt.int(o.targetRps)} req/s over ${plan.overloadConnections} connections`],
          ['offered (answered + failed) / answered 2xx', `${fmt.int(o.offeredPerSec)} req/s / ${fmt.int(o.requestsPerSec)} req/s (${fmt.int(o.eventsPerSec)} events/s)`],
          ['answers by status', codes || '—'],
          ['shed (503 + 429) share of answers', fmt.pct(100 * o.shedShare, 1)],
          ['timeouts (10 s) / connection errors', `${fmt.int(o.timeouts)} / ${fmt.int(o.errors - o.timeouts)}`],
          ['latency p50 / p99 / max', `${o.latency.p50} / ${o.latency.p99} / ${o.latency.max} ms`],
          ['collector peak RSS (target < 300 MB)', `${rss(o.procs, 'collector')} ${verdict(o.procs.procs.collector.peakRssBytes < TARGET_OVERLOAD_RSS)}`],
          ['collector / ClickHouse / load gen CPU', `${cpu(o.procs, 'collector')} / ${cpu(o.procs, 'clickhouse')} / ${cpu(o.procs, 'loadgen')}`],
          ['/readyz right after / after the spool drained', `${o.readyzAfter} / ${o.readyzAfterDrain} (drained in ${fmt.s(o.drainSeconds)})`],
          [
            `recovery: ${plan.recoverySeconds} s at ${plan.connections} connections, once the spool had drained`,
            `${fmt.int(o.recovery.eventsPerSec)} events/s, answers ${Object.entries(o.recovery.statusCounts).map(([k, v]) => `${k}: ${fmt.int(v)}`).join(', ') || '—'}, ${o.recovery.errors} errors ${verdict(o.recovered)}${o.recovered ? '' : ' — collector restarted for the next phase'}`,
          ],
          ...(o.aborts
            ? [[
                `clients that give up: ${fmt.int(o.aborts.aborted)} requests aborted in flight, then ${o.aborts.burst} batches at once`,
                `${o.aborts.ok} × 2xx, ${o.aborts.status503} × 503${o.aborts.failed ? `, ${o.aborts.failed} failed` : ''} ${verdict(o.aborts.status503 === 0 && o.aborts.failed === 0)}`,
              ]]
            : []),
        ],
        ['l', 'r'],
      ),
    );
    out.push('');
  }

  // Spool
  if (r.spool) {
    const s = r.spool;
    const p = s.replay;
    out.push('### Spool path: ClickHouse down, then replay');
    out.push('');
    out.push(
      table(
        ['metric', 'value'],
        [
          [`acked while ClickHouse is stopped (${plan.spoolSeconds} s, ${plan.batches[0]} events/batch)`, `${fmt.int(s.eventsPerSec)} events/s, p50 ${s.latency.p50} / p99 ${s.latency.p99} ms, ${s.non2xx + s.errors} non-2xx/errors`],
          ['collector CPU / peak RSS', `${cpu(s.procs, 'collector')} / ${rss(s.procs, 'collector')}`],
          ['spool pending at the end', `${fmt.int(s.pendingRecords)} requests, ${fmt.mb(s.pendingBytes)}`],
          ['/readyz while ClickHouse is down', String(s.readyzWhileDown)],
          ['ClickHouse restart (same port and data dir) until /ping', fmt.s(p.clickhouseStartSeconds, 2)],
          ['first successful insert after ClickHouse is up (shipper backoff)', fmt.s(p.firstInsertAfterReadySeconds, 2)],
          ['spool empty after ClickHouse is up', fmt.s(p.drainedAfterReadySeconds, 2)],
          ['replay rate (rows ÷ time from first insert to empty spool)', `${fmt.int(p.replayedRows)} rows at ${fmt.int(p.replayEventsPerSec)} events/s`],
          ['/readyz after replay', String(s.readyzAfter)],
          ...(p.stuck
            ? [
                [`❌ spool NOT drained ${plan.replayTimeoutSeconds} s after ClickHouse was up`, `${fmt.int(p.stuck.pendingRecords)} requests pending; ${fmt.int(p.stuck.insertedRows)} rows inserted meanwhile; ${fmt.int(p.stuck.insertFailures)} insert failures`],
                ['replay after a collector restart on the same spool', p.restart ? `${p.restart.drained ? 'drained' : '❌ NOT drained'} ${fmt.s(p.restart.drainedAfterStartSeconds)} after the new collector was up (start ${fmt.s(p.restart.startSeconds)})` : '—'],
              ]
            : []),
        ],
        ['l', 'r'],
      ),
    );
    out.push('');
  }

  // Exactly once
  if (r.checks.length) {
    out.push('### Every acknowledged event in ClickHouse exactly once');
    out.push('');
    out.push(
      'After each phase the bench waits until `spur_spool_pending_records` is 0 and compares `SELECT count(), uniqExact(event_id) FROM spur.events` with the events the collector counted as accepted (`spur_events_accepted_total`, summed over collector restarts) and with what the load generator saw acknowledged (2xx × batch size; non-2xx answers excluded). ' +
        'Timed runs end gracefully (each connection finishes the request it has in flight), so the client count is exact except for requests that timed out or were aborted on purpose (the abort test): the collector may have accepted those without the client seeing the answer, so ClickHouse may hold up to that many more events than the client count — never fewer.',
    );
    out.push('');
    out.push(
      table(
        ['after', 'rows in ClickHouse', 'distinct event ids', 'collector accepted', 'client saw 2xx', 'answer not seen (≤ events)', 'rejected', ''],
        r.checks.map((c) => [c.label, fmt.int(c.rows), fmt.int(c.ids), fmt.int(c.collectorAccepted), fmt.int(c.clientAcked), fmt.int(c.unansweredEvents), fmt.int(c.rejected), verdict(c.ok)]),
      ),
    );
    out.push('');
  }
  if (r.storage) {
    out.push(`Storage of these collector-written rows: ${fmt.int(Number(r.storage.rows))} rows, ${fmt.num(Number(r.storage.bytes) / Number(r.storage.rows), 0)} bytes/event on disk (${fmt.ratio(Number(r.storage.uncompressed) / Number(r.storage.bytes), 1)}× compression, ${r.storage.parts} active parts).`);
    out.push('');
  }

  // Reading
  out.push('### What limits these numbers');
  out.push('');
  for (const line of collectorReading(r)) out.push(`- ${line}`);
  out.push('');

  // Profile
  const prof = r.profile?.runs ?? {};
  const profiled = plan.batches.filter((b) => prof[b]?.summary);
  if (profiled.length) {
    const first = prof[profiled[0]];
    const s = first.summary;
    out.push(`### Where the collector's CPU goes (\`node --cpu-prof\`, ${plan.profileSeconds} s at full speed per batch size)`);
    out.push('');
    out.push(
      `One collector started with \`--cpu-prof\`; one load window per batch size, each summarised on its own (samples outside the window — start-up, warm-up, drain — are left out). ` +
        profiled.map((b) => `${b} events/batch: ${fmt.int(prof[b].eventsPerSec)} acked events/s, collector CPU ${cpu(prof[b].procs, 'collector')}, main thread busy ${fmt.pct(100 - prof[b].summary.idlePct)}`).join('; ') +
        `. Profile: \`${r.profile.file}\` (open it in Chrome DevTools → Performance).`,
    );
    out.push('');
    const stepsTable = (key, title, allLabel) => {
      const withSummary = profiled.filter((b) => prof[b][key]);
      if (!withSummary.length) return;
      const perEvent = (b) => threadUsPerEvent(prof[b], key, b);
      const stepsBy = Object.fromEntries(withSummary.map((b) => [b, profileSteps(prof[b][key])]));
      const stepNames = [...new Set(withSummary.flatMap((b) => stepsBy[b].map((x) => x.step)))];
      out.push(title);
      out.push('');
      out.push(
        table(
          ['step', 'function', ...withSummary.map((b) => `${b} events/batch`)],
          [
            [`**${allLabel}**`, '', ...withSummary.map((b) => `**${fmt.num(perEvent(b), 1)} µs** (100 %)`)],
            ...stepNames.map((step) => {
              const any = withSummary.map((b) => stepsBy[b].find((x) => x.step === step)).find(Boolean);
              return [
                step,
                `\`${any.name}\`${any.location && any.location !== 'V8' ? ` (\`${any.location}\`)` : ''}`,
                ...withSummary.map((b) => {
                  const x = stepsBy[b].find((y) => y.step === step);
                  return x ? `${fmt.num((x.pct / 100) * perEvent(b), 1)} µs (${fmt.pct(x.pct, 1)})` : '—';
                }),
              ];
            }),
          ],
          ['l', 'l', ...withSummary.map(() => 'r')],
        ),
      );
      out.push('');
    };
    stepsTable('summary', "Main-thread time per acknowledged event, by request step (inclusive time of the step's function; share of the busy main thread in brackets):", 'all main-thread work');
    if (profiled.some((b) => prof[b].workerSummary)) {
      out.push(
        `Ingest worker thread (\`${r.profile.workerFile}\`): busy ` +
          profiled.filter((b) => prof[b].workerSummary).map((b) => `${fmt.pct(100 - prof[b].workerSummary.idlePct)} at ${b} events/batch`).join(', ') +
          '. It decodes, validates, enriches and serialises each batch; the main thread above only hands batches over and completes them.',
      );
      out.push('');
      stepsTable('workerSummary', "Worker-thread time per acknowledged event, by step (share of the busy worker in brackets):", 'all worker work');
    }
    if (r.profile.hotLines?.length) {
      out.push('Hottest source lines of spur\'s own code (self samples per line, inlined callees included, over the whole profiled process — V8 does not time-stamp line ticks):');
      out.push('');
      out.push(table(['line', 'code', 'share of busy samples'], r.profile.hotLines.map((x) => [`\`${x.location}\``, x.text ? `\`${x.text.replaceAll('|', '\\|').slice(0, 110)}\`` : '', fmt.pct(x.pct, 1)]), ['l', 'l', 'r']));
      out.push('');
    }
    out.push(`By area, ${profiled[0]} events/batch (self time; collector source file via the source map, npm package, Node internals):`);
    out.push('');
    out.push(table(['area', 'self time', 'share'], s.areas.slice(0, 16).map((a) => [a.area, fmt.ms(a.selfMs, 0), fmt.pct(a.selfPct, 1)]), ['l', 'r', 'r']));
    out.push('');
    out.push(`Top functions by self time, ${profiled[0]} events/batch:`);
    out.push('');
    out.push(table(['function', 'where', 'self time', 'share'], s.topSelf.slice(0, 20).map((f) => [`\`${f.name}\``, f.location ? `\`${f.location}\`` : f.area, fmt.ms(f.selfMs, 0), fmt.pct(f.selfPct, 1)]), ['l', 'l', 'r', 'r']));
    out.push('');
    const interesting = s.topInclusive.filter((f) => /^(collector|protocol)/.test(f.area)).slice(0, 16);
    out.push(`Inclusive time (the function and everything it calls) of the collector's own functions, ${profiled[0]} events/batch:`);
    out.push('');
    out.push(table(['function', 'where', 'inclusive share'], interesting.map((f) => [`\`${f.name}\``, f.location ? `\`${f.location}\`` : f.area, fmt.pct(f.inclusivePct, 1)]), ['l', 'l', 'r']));
    out.push('');
  }
  return out.join('\n');
}

/** The request's steps, from the profile's inclusive times (first match per step). */
const STEPS = [
  ['whole batch handler', (f) => /^src\/app\.ts/.test(f.location) && f.name === '(anonymous)' && /collector: app\.ts/.test(f.area)],
  ['hand the batch to an ingest worker', (f) => f.name === 'prepare' && /batch-preparer\.ts/.test(f.location)],
  ['read body + JSON.parse (prototype-key check)', (f) => f.name === 'decodeBody'],
  ['validate envelope (zod)', (f) => f.name === 'validateEnvelope'],
  ['validate each event (compiled from the zod schema; zod only for refusals)', (f) => f.name === 'validateEvent'],
  ['enrich per event (URL cleaning, UTM, referrer, channel)', (f) => f.name === 'event' && /enricher\.ts/.test(f.location)],
  ['serialise the event\'s columns (RowBinary)', (f) => f.name === 'writeEventColumns'],
  ['complete the batch (visitor id, session, rows)', (f) => f.name === 'completeBatch'],
  ['per sender: user agent, visitor hash', (f) => f.name === 'request' && /enricher\.ts/.test(f.location)],
  ['spool append (queue the records for the group commit)', (f) => f.name === 'write' && /durable-writer/.test(f.location)],
  ['send the answer (fastify Reply.send)', (f) => f.name === 'Reply.send'],
  ['post the prepared batch back (structured clone)', (f) => f.name === 'postMessage'],
];

function profileSteps(summary) {
  const out = [];
  for (const [step, match] of STEPS) {
    const f = summary.topInclusive.find(match);
    if (f) out.push({ step, name: f.name, location: f.location, pct: f.inclusivePct });
  }
  const gc = summary.areas.find((a) => a.area === '(garbage collector)');
  if (gc) out.push({ step: 'garbage collection (self)', name: '(garbage collector)', location: 'V8', pct: gc.selfPct });
  return out;
}

function collectorReading(r) {
  const lines = [];
  const { plan } = r;
  for (const b of plan.batches) {
    const e = r.e2e[b];
    if (!e) continue;
    const c = e.procs.procs.collector.cpuPct;
    const chCpu = e.procs.procs.clickhouse?.cpuPct ?? 0;
    const lg = e.procs.procs.loadgen.cpuPct;
    const busy = e.procs.machineBusyPct;
    let limit;
    if (e.procs.otherPct > OTHER_LOAD_WARN_PCT) limit = `disturbed: processes this bench did not start used ${fmt.pct(e.procs.otherPct)} of the 200 % (collector ${fmt.pct(c)}, ClickHouse ${fmt.pct(chCpu)}, load generator ${fmt.pct(lg)})`;
    else if (busy > 185) limit = `the machine is saturated (${fmt.pct(busy)} of 200 %): collector ${fmt.pct(c)}, ClickHouse ${fmt.pct(chCpu)}, load generator ${fmt.pct(lg)} share two cores, so each gets less than it could use`;
    else if (r.profile?.runs?.[b]?.workerSummary && r.profile.runs[b].workerSummary.idlePct < 15)
      limit = `the collector's ingest worker thread is saturated (busy ${fmt.pct(100 - r.profile.runs[b].workerSummary.idlePct)} in the profiled run; main thread busy ${fmt.pct(100 - r.profile.runs[b].summary.idlePct)}; collector process ${fmt.pct(c)}) while the machine still had headroom (${fmt.pct(busy)} of 200 %)`;
    else if (c > 75 && !r.profile?.runs?.[b]?.workerSummary)
      limit = `the collector is CPU-bound on its one JavaScript thread (${fmt.pct(c)} of a core for the process; the profiled runs below show the main thread idle only ${fmt.pct(r.profile?.runs?.[b]?.summary?.idlePct)} of the time) while the machine still had headroom (${fmt.pct(busy)} of 200 %)`;
    else limit = `no single process is saturated (collector ${fmt.pct(c)}, machine ${fmt.pct(busy)} of 200 %): latency of the durable spool append per request bounds throughput at ${plan.connections} connections`;
    // Even when ClickHouse keeps up, the last flush interval's rows and one insert remain at the end.
    const shipping =
      e.drainSeconds > 2
        ? `ClickHouse ran behind during the run: the spool held ${fmt.int(e.pendingAtEnd)} requests at the end and drained in ${fmt.s(e.drainSeconds)}, which the end-to-end rate includes`
        : `ClickHouse kept up: the spool held ${fmt.int(e.pendingAtEnd)} requests at the end and drained in ${fmt.s(e.drainSeconds)}`;
    lines.push(`**${b} events/batch, ${fmt.int(e.eventsPerSec)} acked events/s:** ${limit}. ${shipping}.`);
  }
  if (r.fresh && r.e2e[r.fresh.batch]) {
    const f = r.fresh;
    const e = r.e2e[f.batch];
    const ratio = f.eventsPerSec / e.eventsPerSec;
    const hot = r.profile?.hotLines?.[0];
    lines.push(
      `**Fresh vs steady state:** a freshly started collector acknowledged ${fmt.int(f.eventsPerSec)} events/s (${fmt.ms(cpuPerRequest(f), 2)} CPU/request) over its first ${fmt.int(f.pageViews)} page views, ${fmt.ratio(ratio, 2)}× the steady state (${fmt.ms(cpuPerRequest(e), 2)}/request).` +
        (hot
          ? ` The hottest line of spur's own code in the profile is \`${hot.location}\` (${fmt.pct(hot.pct, 1)} of the main thread's samples)` +
            (hot.text?.includes('.keys().next()')
              ? `: \`${hot.text}\` — evicting the oldest entry via \`Map.keys().next()\` makes V8 walk over the deleted slots at the front of the Map, so once the map is at its bound every insertion costs time proportional to the entries evicted so far (until V8 rehashes); \`enrich/lru.ts\` avoids exactly this with a linked list.`
              : '.')
          : ''),
    );
  }
  for (const b of plan.batches) {
    const bare = r.ceilings.bare[b];
    if (!bare) continue;
    const { server, loadgen } = bare.procs.procs;
    const why =
      bare.procs.otherPct > OTHER_LOAD_WARN_PCT
        ? `disturbed by other processes (${fmt.pct(bare.procs.otherPct)} of the 200 %)`
        : bare.procs.machineBusyPct > 160
          ? `the two cores are (nearly) saturated (${fmt.pct(bare.procs.machineBusyPct)} of 200 %) by the server (${fmt.pct(server.cpuPct)}) and the load generator (${fmt.pct(loadgen.cpuPct)}) together — the generator's own CPU caps this ceiling, so the server alone could do more`
          : server.cpuPct > 90
            ? `the server's one JavaScript thread is saturated (${fmt.pct(server.cpuPct)})`
            : `neither the server (${fmt.pct(server.cpuPct)}) nor the load generator (${fmt.pct(loadgen.cpuPct)}) is saturated: ${plan.connections} connections with one request each in flight bound it (latency p50 ${bare.latency.p50} ms)`;
    const spread = bareSpread(r, b);
    const drift =
      spread === undefined
        ? ''
        : ` Measured ${fmt.int(bare.eventsPerSec)} events/s before the collector's run and ${fmt.int(r.ceilings.bareAfter[b].eventsPerSec)} after it (${fmt.pct(100 * spread)} apart${spread > CEILING_DRIFT_WARN ? ": the machine's speed moved during the measurement, so this ratio is uncertain by about as much" : ''}); the ratio uses their mean.`;
    lines.push(`**Parse-only ceiling, ${b} events/batch (${fmt.int(bareCeiling(r, b))} events/s):** ${why}.${drift}`);
  }
  const ratioReading = parseOnlyRatioReading(r);
  if (ratioReading) lines.push(ratioReading);
  const bulk = r.ceilings.bulk;
  if (bulk) {
    const best = Math.max(...plan.batches.map((b) => r.e2e[b]?.e2eEventsPerSec ?? 0));
    lines.push(
      `**Bulk insert ceiling (${fmt.int(bulk.rowsPerSec)} rows/s, ClickHouse at ${fmt.pct(bulk.procs.procs.clickhouse.cpuPct)} CPU):** ClickHouse parsing ${bulk.format ?? 'JSONEachRow'}, sorting, compressing and writing parts plus the overview MV's uniqExact states. ` +
        `It could take ${fmt.ratio(bulk.rowsPerSec / best, 1)}× what the collector delivered end to end, so ClickHouse is ${bulk.rowsPerSec > 1.5 * best ? 'not' : 'close to'} the limit; but on 2 shared cores every row ClickHouse inserts costs CPU the collector then lacks. ` +
        `Without the insert-time ReplacingMergeTree pass (\`optimize_on_insert = 0\`) the same insert runs at ${fmt.int(bulk.noOptimizeRowsPerSec)} rows/s (${fmt.ratio(bulk.noOptimizeRowsPerSec / bulk.rowsPerSec, 1)}×): that pass only collapses duplicates inside one block, which merges and FINAL/uniqExact handle anyway.`,
    );
  }
  for (const b of plan.batches) {
    const h = r.half[b];
    if (h) {
      const ack = h.internals?.ackMeanMs;
      const full = cpuPerRequest(r.e2e[b]);
      const half = cpuPerRequest(h);
      if (h.procs.procs.collector.cpuPct > 75 && full && half) {
        lines.push(
          `**Half load is not half the CPU, ${b} events/batch:** at ${fmt.int(h.targetRps)} req/s the collector used ${fmt.pct(h.procs.procs.collector.cpuPct)} of a core, ${fmt.ms(half, 2)} of CPU per request against ${fmt.ms(full, 2)} at full speed: with fewer requests in flight each event-loop turn, spool commit (one O_DSYNC writev) and socket write serves fewer of them (the bare Fastify server shows the same effect, smaller). ` +
            'With open-loop arrivals any stall (GC, a ClickHouse insert being prepared, a burst) then queues requests faster than they drain, which is what the p99 shows.',
        );
      }
      lines.push(
        `**Half load, ${b} events/batch:** p50 ${fmt.ms(h.latency.p50)}, p99 ${fmt.ms(h.latency.p99)} with the collector at ${fmt.pct(h.procs.procs.collector.cpuPct)} CPU. ` +
          (h.internals?.requestP99Ms
            ? `Inside the collector (headers read → answer written, \`spur_batch_request_duration_seconds\`) a request took ${fmt.ms(h.internals.requestMeanMs)} on average and ${h.internals.requestP99Ms.above ? 'over ' : '≈ '}${fmt.ms(h.internals.requestP99Ms.ms)} at p99 (interpolated in its histogram buckets); what the client waited beyond that passed before the collector read the request — its event loop busy, the two cores shared with ClickHouse and the generator — and on loopback. `
            : '') +
          `Of the mean latency ${fmt.ms(h.latency.mean)}, waiting for the spool's durable append took ${fmt.ms(ack)} on average (\`spur_ack_duration_seconds\`; a bare fdatasync here takes ${r.fsyncP50 ? fmt.ms(r.fsyncP50, 2) : 'see Machine'}); the rest is parsing, validation and enrichment on the event loop and queueing behind other requests there — ` +
          `the tail comes from requests that arrive while the loop is busy with a batch, a ClickHouse insert being prepared (${fmt.int(h.internals?.inserts)} inserts of ~${fmt.int(h.internals?.rowsPerInsert)} rows in the run) or a GC pause.`,
      );
    }
  }
  if (r.overload) {
    const o = r.overload;
    const shed = o.shedShare;
    lines.push(
      `**Overload:** the load generator offered ${fmt.int(o.offeredPerSec)} req/s (${fmt.ratio(o.offeredPerSec / (o.targetRps / 10), 1)}× sustainable; a closed-loop generator can offer only as fast as answers come back over ${plan.overloadConnections} connections). ` +
        (shed > 0.01 ? `The collector shed ${fmt.pct(100 * shed, 1)} with 503/429 and ` : 'The collector shed almost nothing (its bounds are on bytes waiting for the durable write and on the spool size, neither reached); instead it ') +
        `answered with p99 ${o.latency.p99} ms, peak RSS ${fmt.mb(o.procs.procs.collector.peakRssBytes)}. ` +
        (o.recovered
          ? 'Afterwards it served normal load again.'
          : `Afterwards it **did not recover**: with the spool empty and /readyz ${o.readyzAfterDrain}, the normal run still got ${Object.entries(o.recovery.statusCounts).map(([k, v]) => `${fmt.int(v)} × ${k}`).join(', ') || 'no answers'}.`),
    );
  }
  if (r.spool) lines.push(`**Spool path:** with ClickHouse stopped the collector only appends to the spool (and ClickHouse takes no CPU), so acks run at ${fmt.int(r.spool.eventsPerSec)} events/s. Replay is bound by the shipper's backoff (first insert ${fmt.s(r.spool.replay.firstInsertAfterReadySeconds)} after ClickHouse is back) and then by ClickHouse insert speed (${fmt.int(r.spool.replay.replayEventsPerSec)} events/s in inserts of up to \`SPUR_INSERT_MAX_MB\` = 16 MB).`);
  return lines;
}

/**
 * What the ratio to the parse-only ceiling is made of: CPU per event of the bare server, of the
 * collector and of ClickHouse inserting the same events on the same cores, and the ingest
 * worker's share (from the profile), per batch size.
 */
function parseOnlyRatioReading(r) {
  const perEvent = (cpuPct, eventsPerSec) => ((cpuPct / 100) * 1e6) / eventsPerSec; // µs of CPU per event
  const rows = [];
  for (const b of r.plan.batches) {
    const ratio = parseOnlyRatio(r, b);
    if (ratio === undefined) continue;
    const e = r.e2e[b];
    const bare = bareRuns(r, b);
    rows.push({
      b,
      ratio,
      bare: mean(bare.map((run) => perEvent(run.procs.procs.server.cpuPct, run.eventsPerSec))),
      collector: perEvent(e.procs.procs.collector.cpuPct, e.eventsPerSec),
      clickhouse: perEvent(e.procs.procs.clickhouse?.cpuPct ?? 0, e.eventsPerSec),
      worker: threadUsPerEvent(r.profile?.runs?.[b], 'workerSummary', b),
    });
  }
  if (!rows.length) return undefined;
  const each = (key, d = 1) => rows.map((x) => `${fmt.num(x[key], d)} µs`).join(' and ');
  const sizes = rows.map((x) => x.b).join(' and ');
  const worst = rows.reduce((a, x) => (x.ratio < a.ratio ? x : a));
  const workers = rows.every((x) => x.worker !== undefined);
  return (
    `**Against the parse-only ceiling (target ≥ ${TARGET_PARSE_RATIO}), CPU per acknowledged event at ${sizes} per batch:** the bare server ${each('bare')}; ` +
    `the collector ${each('collector')} (${rows.map((x) => `${fmt.ratio(x.collector / x.bare, 1)}×`).join(' and ')}); ` +
    `ClickHouse, inserting the same events on the same cores, ${each('clickhouse')}. ` +
    (workers ? `An ingest worker thread, which decodes, validates, enriches and serialises, was busy ${each('worker')} per event in the profiled run (wall time on shared cores, so more than its CPU). ` : '') +
    `That work is per event, so a bigger batch saves the bare server (its per-request HTTP work spread over more events) far more than the collector; ` +
    `the ratio is lowest at ${worst.b} per batch (${fmt.ratio(worst.ratio, 2)}), where ${TARGET_PARSE_RATIO} needs ${fmt.ratio(TARGET_PARSE_RATIO / worst.ratio, 1)}× today's acknowledged rate on the same two cores.`
  );
}
