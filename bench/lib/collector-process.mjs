// The collector as the bench runs it: its environment, its process, and waiting for its spool.
// Shared by the collector section (sections/collector.mjs) and the A/B comparison (compare.mjs).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COLLECTOR_INDEX, httpStatus, loadEmbeddedClickHouse, scrapeMetrics, spawnNode, tail, waitFor } from './common.mjs';
import { SERVER_KEY, SITE } from './load.mjs';

/**
 * The embedded ClickHouse as `pnpm start` runs it next to the collector (at the package's
 * NICE_NEXT_TO_COLLECTOR); `nice` in the result says which value that was, for the report.
 */
export async function startClickHouseNextToCollector({ port, dataDir }) {
  const { startClickHouse, NICE_NEXT_TO_COLLECTOR } = await loadEmbeddedClickHouse();
  const server = await startClickHouse({ port, dataDir, nice: NICE_NEXT_TO_COLLECTOR });
  return Object.assign(server, { nice: NICE_NEXT_TO_COLLECTOR });
}

/** The collector's environment for a bench run on loopback; `extra` overrides or adds settings. */
export function collectorEnv({ port, clickhouseUrl, spoolDir, extra = {} }) {
  return {
    SPUR_HOST: '127.0.0.1',
    SPUR_PORT: String(port),
    CLICKHOUSE_URL: clickhouseUrl,
    SPUR_SITES: JSON.stringify([{ id: SITE, origins: ['https://shop.example'], serverKey: SERVER_KEY }]),
    SPUR_SPOOL_DIR: spoolDir,
    SPUR_RATE_LIMIT_PER_IP: '0',
    SPUR_TRUST_PROXY: '1',
    SPUR_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/**
 * The Node flags a checkout's collector is deployed with (its NODE_FLAGS), from its build, so a
 * build is measured as it would run, whichever checkout it comes from.
 */
export async function collectorNodeFlags(repoDir) {
  const index = repoDir ? join(repoDir, 'services/collector/dist/index.js') : COLLECTOR_INDEX;
  const { NODE_FLAGS = [] } = await import(pathToFileURL(index).href);
  return [...NODE_FLAGS];
}

/** Starts `main` (a built collector's main.js) and waits until /readyz answers 200. */
export async function startCollectorProcess({ main, name, env, nodeOptions = [] }) {
  const proc = spawnNode([...nodeOptions, main], { env, name });
  const url = `http://127.0.0.1:${env.SPUR_PORT}`;
  const ready = await waitFor(async () => (await httpStatus(`${url}/readyz`)) === 200, { timeoutMs: 60_000 });
  if (!ready) {
    await proc.stop();
    throw new Error(`collector ${name} did not become ready:\n${tail(proc.logFile)}`);
  }
  return proc;
}

/** Waits until the collector's spool is empty (everything in ClickHouse); the last metrics seen. */
export async function drainSpool(url, timeoutMs = 180_000) {
  const t0 = performance.now();
  let metrics;
  const drained = await waitFor(async () => (metrics = await scrapeMetrics(url)).spur_spool_pending_records === 0, { timeoutMs, intervalMs: 50 });
  return { seconds: (performance.now() - t0) / 1000, drained: Boolean(drained), metrics };
}
