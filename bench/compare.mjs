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
import { COLLECTOR_MAIN, httpStatus, freePort, loadCollectorModule, loadEmbeddedClickHouse, median, procCpuSeconds, scrapeMetrics, spawnNode, waitFor } from './lib/common.mjs';
import { SERVER_KEY, SITE, runLoad, runPaced } from './lib/load.mjs';
import { buildBodies } from './lib/payloads.mjs';

const USAGE = `Usage: node bench/compare.mjs [options]   (after pnpm build, in each checkout compared)
  --a <dir>        checkout whose services/collector/dist/main.js is A (default: this one)
  --b <dir>        checkout for B (default: this one)
  --a-env <json>   extra collector environment for A, e.g. '{"SPUR_INGEST_WORKERS":"0"}'
  --b-env <json>   … for B
  --a-node <flags> Node flags for A instead of the collector's own (NODE_FLAGS)
  --b-node <flags> … for B
  --rate <n>       paced requests/s (open loop, Poisson arrivals); default 1000
  --full           full speed instead (128 connections, closed loop)
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
const { NODE_FLAGS } = await loadCollectorModule();
const sides = {
  A: { main: o.a ? join(resolve(o.a), 'services/collector/dist/main.js') : COLLECTOR_MAIN, env: json('a-env'), node: o['a-node']?.split(' ') ?? [...NODE_FLAGS] },
  B: { main: o.b ? join(resolve(o.b), 'services/collector/dist/main.js') : COLLECTOR_MAIN, env: json('b-env'), node: o['b-node']?.split(' ') ?? [...NODE_FLAGS] },
};

const tmp = mkdtempSync(join(os.tmpdir(), 'spur-compare-'));
const { startClickHouse } = await loadEmbeddedClickHouse();
const clickhouse = await startClickHouse({ port: await freePort(), dataDir: join(tmp, 'clickhouse') });
const bodies = buildBodies({ site: SITE, batch, count: 200 });
const results = { A: [], B: [] };
console.log(`${o.full ? 'full speed, 128 connections' : `${rate} req/s paced`}, ${batch} events/batch, ${seconds} s × ${rounds} rounds; machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`);
try {
  for (let round = 0; round < rounds; round++) {
    for (const side of ['A', 'B']) {
      const { main, env, node } = sides[side];
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const collector = spawnNode([...node, main], {
        name: `compare-${side}`,
        env: { SPUR_HOST: '127.0.0.1', SPUR_PORT: String(port), CLICKHOUSE_URL: clickhouse.url, SPUR_SITES: JSON.stringify([{ id: SITE, serverKey: SERVER_KEY }]), SPUR_SPOOL_DIR: join(tmp, `spool-${side}-${round}`), SPUR_RATE_LIMIT_PER_IP: '0', SPUR_TRUST_PROXY: '1', SPUR_LOG_LEVEL: 'warn', ...env },
      });
      try {
        if (!(await waitFor(async () => (await httpStatus(`${url}/readyz`)) === 200, { timeoutMs: 60_000 }))) throw new Error(`collector ${side} did not become ready (see bench/.work/logs/compare-${side}.log)`);
        const load = () => (o.full ? runLoad(url, bodies, { duration: seconds, connections: 128 }) : runPaced(url, bodies, { rate, duration: seconds }));
        if (o.full) await runLoad(url, bodies, { duration: 3, connections: 128 });
        else await runPaced(url, bodies, { rate, duration: 3 });
        const cpu0 = procCpuSeconds(collector.pid);
        const ch0 = procCpuSeconds(clickhouse.pid);
        const m0 = await scrapeMetrics(url);
        const run = await load();
        await waitFor(async () => (await scrapeMetrics(url)).spur_spool_pending_records === 0, { timeoutMs: 60_000 });
        const m1 = await scrapeMetrics(url);
        const events = m1.spur_events_accepted_total - m0.spur_events_accepted_total;
        const r = {
          usPerEvent: ((procCpuSeconds(collector.pid) - cpu0) * 1e6) / events,
          clickhouseUsPerRow: ((procCpuSeconds(clickhouse.pid) - ch0) * 1e6) / events,
          eventsPerSec: run.eventsPerSec,
          p50: run.latency.p50,
          p99: run.latency.p99,
          non2xx: run.non2xx + run.errors,
        };
        results[side].push(r);
        console.log(`${side} round ${round + 1}: collector ${r.usPerEvent.toFixed(1)} µs CPU/event, ClickHouse ${r.clickhouseUsPerRow.toFixed(1)} µs/row, ${Math.round(r.eventsPerSec)} events/s, p50 ${r.p50.toFixed(1)} / p99 ${r.p99.toFixed(1)} ms, non-2xx ${r.non2xx}`);
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
