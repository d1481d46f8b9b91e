#!/usr/bin/env node
// Paired comparison of two collector builds or settings: collector CPU per acknowledged event and
// request latency, A and B in turn (A B A B …) against one embedded ClickHouse, so a drift in
// the machine's speed hits both alike. Quote the per-round B/A ratios, not single runs.
//
//   node bench/compare.mjs --b-env '{"SPUR_INGEST_WORKERS":"0"}' --rate 1000      # a setting, paced
//   node bench/compare.mjs --a /path/to/other/checkout --full                     # another build, full speed
//
// Loopback only; every load is bounded in time and count; processes it starts are stopped.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { collectorEnv, collectorNodeFlags, drainSpool, startClickHouseNextToCollector, startCollectorProcess } from './lib/collector-process.mjs';
import { COLLECTOR_MAIN, freePort, median, startSampler } from './lib/common.mjs';
import { SITE, runLoad, runPaced } from './lib/load.mjs';
import { buildBodies } from './lib/payloads.mjs';
import { collectorPlan } from './sections/collector.mjs';

const USAGE = `Usage: node bench/compare.mjs [options]   (after pnpm build, in each checkout compared)
  --a <dir>        checkout whose services/collector/dist/main.js is A (default: this one)
  --b <dir>        checkout for B (default: this one)
  --a-env <json>   extra collector environment for A, e.g. '{"SPUR_INGEST_WORKERS":"0"}'
  --b-env <json>   … for B
  --a-node <flags> Node flags for A instead of its build's own (NODE_FLAGS)
  --b-node <flags> … for B
  --rate <n>       paced requests/s (open loop, Poisson arrivals); default 1000
  --full           full speed instead (the bench's connection count, closed loop)
  --batch <n>      events per request, 20 to 50 (default 20)
  --seconds <n>    measured seconds per run (default 10, at most 60)
  --rounds <n>     A/B pairs (default 3, at most 10)`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      'a-env': { type: 'string' },
      'b-env': { type: 'string' },
      'a-node': { type: 'string' },
      'b-node': { type: 'string' },
      rate: { type: 'string', default: '1000' },
      full: { type: 'boolean', default: false },
      batch: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  console.error(`bench/compare.mjs: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
const o = parsed.values;
if (o.help) {
  console.log(USAGE);
  process.exit(0);
}
const usageError = (message) => {
  console.error(`bench/compare.mjs: ${message}\n\n${USAGE}`);
  process.exit(2);
};
const bounded = (name, value, min, max) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) usageError(`--${name} must be an integer from ${min} to ${max}, not "${value}"`);
  return n;
};
const json = (name) => {
  try {
    return JSON.parse(o[name] ?? '{}');
  } catch {
    return usageError(`--${name} must be a JSON object, e.g. '{"SPUR_INGEST_WORKERS":"0"}'`);
  }
};
const rate = bounded('rate', o.rate, 1, 20_000);
const batch = bounded('batch', o.batch, 20, 50);
const seconds = bounded('seconds', o.seconds, 1, 60);
const rounds = bounded('rounds', o.rounds, 1, 10);
const side = async (dir, env, node) => ({
  main: dir ? join(resolve(dir), 'services/collector/dist/main.js') : COLLECTOR_MAIN,
  env: json(env),
  node: o[node]?.split(' ') ?? (await collectorNodeFlags(dir && resolve(dir))),
});
const sides = { A: await side(o.a, 'a-env', 'a-node'), B: await side(o.b, 'b-env', 'b-node') };
const { connections } = collectorPlan(false);
// A paced run's latency is taken after this many seconds at its rate (the step from idle is not
// measured); CPU per event, the mean ack wait and the spool's commits cover them too.
const measuredWarmup = o.full ? 0 : 1;

const bodies = buildBodies({ site: SITE, batch, count: 200 });
const tmp = mkdtempSync(join(os.tmpdir(), 'spur-compare-'));
const clickhouse = await startClickHouseNextToCollector({ port: await freePort(), dataDir: join(tmp, 'clickhouse') });
const results = { A: [], B: [] };
console.log(`${o.full ? `full speed, ${connections} connections` : `${rate} req/s paced`}, ${batch} events/batch, ${seconds} s × ${rounds} rounds; machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`);
try {
  for (let round = 0; round < rounds; round++) {
    for (const name of ['A', 'B']) {
      const { main, env, node } = sides[name];
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const spoolDir = join(tmp, `spool-${name}-${round}`);
      const collector = await startCollectorProcess({ main, name: `compare-${name}`, env: collectorEnv({ port, clickhouseUrl: clickhouse.url, spoolDir, extra: env }), nodeOptions: node });
      try {
        const load = (duration, warmup = 0) => (o.full ? runLoad(url, bodies, { duration, connections }) : runPaced(url, bodies, { rate, duration, warmup }));
        await load(3); // warm-up, then its backlog shipped, so the measured run pays only for itself
        const before = await drainSpool(url);
        const sampler = startSampler({ collector: collector.pid, clickhouse: clickhouse.pid });
        const run = await load(seconds, measuredWarmup);
        const after = await drainSpool(url);
        const { procs, otherPct } = sampler.stop();
        if (!before.drained || !after.drained) throw new Error(`collector ${name}: the spool did not empty within the bound`);
        const events = after.metrics.spur_events_accepted_total - before.metrics.spur_events_accepted_total;
        const delta = (name) => after.metrics[name] - before.metrics[name];
        const meanMs = (histogram) => (1000 * delta(`${histogram}_sum`)) / delta(`${histogram}_count`);
        const r = {
          usPerEvent: (procs.collector.cpuSeconds * 1e6) / events,
          clickhouseUsPerRow: (procs.clickhouse.cpuSeconds * 1e6) / events,
          otherPct,
          eventsPerSec: run.eventsPerSec,
          // Until everything acknowledged was in ClickHouse: a setting that makes ClickHouse fall
          // behind can raise the acknowledged rate while lowering this one.
          e2eEventsPerSec: (run.eventsPerSec * seconds) / (seconds + after.seconds),
          drainSeconds: after.seconds,
          p50: run.latency.p50,
          p99: run.latency.p99,
          non2xx: run.non2xx + run.errors,
          ackMs: meanMs('spur_ack_duration_seconds'),
          commitMs: meanMs('spur_spool_commit_duration_seconds'),
          commitsPerSec: delta('spur_spool_commit_duration_seconds_count') / (seconds + measuredWarmup),
        };
        results[name].push(r);
        console.log(`${name} round ${round + 1}: collector ${r.usPerEvent.toFixed(1)} µs CPU/event, ClickHouse ${r.clickhouseUsPerRow.toFixed(1)} µs/row, ${Math.round(r.eventsPerSec)} events/s (end to end ${Math.round(r.e2eEventsPerSec)}, spool drained ${r.drainSeconds.toFixed(1)} s after), p50 ${r.p50.toFixed(1)} / p99 ${r.p99.toFixed(1)} ms, non-2xx ${r.non2xx}, mean ack wait ${r.ackMs.toFixed(1)} ms (${Number.isFinite(r.commitMs) ? `${Math.round(r.commitsPerSec)} spool commits/s of ${r.commitMs.toFixed(2)} ms` : 'no spool commit metrics in this build'}), other processes ${r.otherPct === undefined ? "?" : r.otherPct.toFixed(0)} % CPU`);
      } finally {
        await collector.stop();
      }
    }
  }
  const med = (side, key) => median(results[side].map((r) => r[key]));
  console.log('\n| | collector µs CPU/event | events/s | p99 ms |\n| --- | ---: | ---: | ---: |');
  for (const side of ['A', 'B']) console.log(`| ${side} (median) | ${med(side, 'usPerEvent').toFixed(1)} | ${Math.round(med(side, 'eventsPerSec'))} | ${med(side, 'p99').toFixed(1)} |`);
  console.log(`\nB/A collector CPU per event, per round: ${results.A.map((a, i) => (results.B[i].usPerEvent / a.usPerEvent).toFixed(3)).join(' ')}`);
} finally {
  await clickhouse.stop();
  rmSync(tmp, { recursive: true, force: true });
}
