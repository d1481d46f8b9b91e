// Shared helpers for the bench: paths, processes, /proc sampling, a tiny ClickHouse HTTP client,
// the collector's metrics, Markdown tables. Plain Node ESM, no dependencies of its own.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(BENCH_DIR, '..');
export const WORK = join(BENCH_DIR, '.work');
export const LOG_DIR = join(WORK, 'logs');
export const COLLECTOR_MAIN = join(REPO, 'services/collector/dist/main.js');
export const COLLECTOR_INDEX = join(REPO, 'services/collector/dist/index.js');
export const CLICKHOUSE_EMBEDDED_INDEX = join(REPO, 'packages/clickhouse-embedded/dist/index.js');

/** CPU % (of one core) used by processes the bench did not start above which a run is flagged as disturbed. */
export const OTHER_LOAD_WARN_PCT = 15;

export const sleep = (ms) => delay(ms);

export function log(message) {
  const t = ((performance.now() - T0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${t}s] ${message}\n`);
}
const T0 = performance.now();

export function ensureDir(dir) {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Modules from the workspace (built by `pnpm build`)

export async function loadEmbeddedClickHouse() {
  if (!existsSync(CLICKHOUSE_EMBEDDED_INDEX)) {
    throw new Error(`${rel(CLICKHOUSE_EMBEDDED_INDEX)} is missing: run \`pnpm build\` first (packages/clickhouse-embedded)`);
  }
  return import(pathToFileURL(CLICKHOUSE_EMBEDDED_INDEX).href);
}

export async function loadCollectorModule() {
  if (!existsSync(COLLECTOR_INDEX)) throw new Error(`${rel(COLLECTOR_INDEX)} is missing: run \`pnpm build\` first`);
  return import(pathToFileURL(COLLECTOR_INDEX).href);
}

/** A dependency of the collector (e.g. fastify, @clickhouse/client), resolved from its package. */
export function collectorRequire(name) {
  return createRequire(join(REPO, 'services/collector/package.json'))(name);
}
export function collectorResolve(name) {
  return createRequire(join(REPO, 'services/collector/package.json')).resolve(name);
}

export function rel(path) {
  return path.startsWith(REPO) ? path.slice(REPO.length + 1) : path;
}

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * Spawns `node <args>` with its stdout/stderr going to a log file under bench/.work/logs.
 * Returns { child, pid, exited, logFile, stop(signal, timeoutMs) }.
 */
export function spawnNode(args, { env = {}, name, nodeOptions = [] } = {}) {
  ensureDir(LOG_DIR);
  const logFile = join(LOG_DIR, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeOptions, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  return {
    child,
    pid: child.pid,
    logFile,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}

export function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls `fn` until it returns a truthy value or the deadline passes; returns the value or undefined. */
export async function waitFor(fn, { timeoutMs = 30_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() >= deadline) return undefined;
    await delay(intervalMs);
  }
}

export async function httpStatus(url, timeoutMs = 2_000) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// /proc sampling: CPU (utime + stime) and RSS of given processes, every 200 ms

const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64/arm64

export function procCpuSeconds(pid) {
  return procCpu(pid)?.total;
}

/** { user, sys, total } seconds of CPU used by a process so far (all its threads). */
export function procCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime = field 14, stime = field 15
    const user = Number(fields[11]) / CLK_TCK;
    const sys = Number(fields[12]) / CLK_TCK;
    return { user, sys, total: user + sys };
  } catch {
    return undefined;
  }
}

export function procRssBytes(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine (/proc/stat "cpu" line). */
function machineJiffies() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = values[3] + (values[4] ?? 0);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Samples the named processes every `intervalMs` until stop(). `pids` maps a name to a pid (or a
 * function returning one). The bench process itself is always included as "loadgen".
 * stop() → { seconds, machineBusyPct, procs: { name: { cpuPct, cpuSeconds, peakRssBytes, endRssBytes } } }
 * where cpuPct is % of one core.
 */
export function startSampler(pids, intervalMs = 200) {
  const names = Object.keys(pids);
  const resolvePid = (name) => (typeof pids[name] === 'function' ? pids[name]() : pids[name]);
  const started = performance.now();
  const cpu0 = Object.fromEntries(names.map((n) => [n, procCpu(resolvePid(n))]));
  const self0 = process.cpuUsage();
  const machine0 = machineJiffies();
  const peak = Object.fromEntries(names.map((n) => [n, 0]));
  const last = {};
  const sample = () => {
    for (const n of names) {
      const rss = procRssBytes(resolvePid(n));
      if (rss !== undefined) {
        last[n] = rss;
        if (rss > peak[n]) peak[n] = rss;
      }
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const seconds = (performance.now() - started) / 1000;
      const machine1 = machineJiffies();
      const procs = {};
      for (const n of names) {
        const c1 = procCpu(resolvePid(n));
        const ok = c1 !== undefined && cpu0[n] !== undefined;
        const cpuSeconds = ok ? c1.total - cpu0[n].total : undefined;
        procs[n] = {
          cpuSeconds,
          cpuPct: cpuSeconds === undefined ? undefined : (100 * cpuSeconds) / seconds,
          sysPct: ok ? (100 * (c1.sys - cpu0[n].sys)) / seconds : undefined,
          peakRssBytes: peak[n] || undefined,
          endRssBytes: last[n],
        };
      }
      const self = process.cpuUsage(self0);
      const selfSeconds = (self.user + self.system) / 1e6;
      procs.loadgen = { cpuSeconds: selfSeconds, cpuPct: (100 * selfSeconds) / seconds, peakRssBytes: process.memoryUsage().rss };
      const busy = machine1.busy - machine0.busy;
      const total = machine1.total - machine0.total;
      const machineBusyPct = total > 0 ? (100 * os.cpus().length * busy) / total : undefined;
      const mine = Object.values(procs).reduce((sum, p) => sum + (p.cpuPct ?? 0), 0);
      // CPU used by processes this bench did not start (other work on the machine): noise.
      const otherPct = machineBusyPct === undefined ? undefined : Math.max(0, machineBusyPct - mine);
      return { seconds, machineBusyPct, otherPct, procs };
    },
  };
}

/** Pids of all descendants of `pid` (from /proc/<p>/stat ppid). */
export function descendants(pid) {
  const parentOf = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone
    }
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const [child, parent] of parentOf) if (parent === p) (out.push(child), queue.push(child));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ClickHouse over HTTP (fetch): query text in the body, settings in the URL

export class ClickHouseHttp {
  constructor(url) {
    this.url = url.replace(/\/$/, '');
  }

  /**
   * Runs a statement; returns { text, status, elapsedNs (server side), wallMs (client side) }, and
   * with `binary` the answer as `bytes` (a Buffer) instead of `text`.
   */
  async raw(sql, { settings = {}, body, timeoutMs = 600_000, queryId, binary = false } = {}) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(settings)) params.set(k, String(v));
    if (queryId) params.set('query_id', queryId);
    let init;
    if (body === undefined) init = { method: 'POST', body: sql };
    else {
      params.set('query', sql);
      init = { method: 'POST', body, duplex: 'half' };
    }
    const started = performance.now();
    const response = await fetch(`${this.url}/?${params}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const bytes = Buffer.from(await response.arrayBuffer());
    const wallMs = performance.now() - started;
    const text = binary && response.ok ? undefined : bytes.toString('utf8');
    if (!response.ok) throw new Error(`ClickHouse ${response.status}: ${text.slice(0, 500)}\nquery: ${sql.slice(0, 300)}`);
    let elapsedNs;
    try {
      elapsedNs = Number(JSON.parse(response.headers.get('x-clickhouse-summary') ?? '{}').elapsed_ns);
    } catch {
      elapsedNs = undefined;
    }
    return { text, ...(binary ? { bytes } : {}), status: response.status, elapsedNs: Number.isFinite(elapsedNs) ? elapsedNs : undefined, wallMs };
  }

  async exec(sql, options) {
    return this.raw(sql, options);
  }

  /** Rows as objects (JSONEachRow). */
  async rows(sql, options) {
    const { text } = await this.raw(`${sql} FORMAT JSONEachRow`, options);
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  async one(sql, options) {
    return (await this.rows(sql, options))[0];
  }
}

/**
 * Waits (bounded) until ClickHouse runs no merges in the spur database, as on a table that has
 * been live for a while; `settled` is false when the bound was reached first.
 */
export async function waitForMerges(ch, { timeoutMs = 60_000, intervalMs = 250 } = {}) {
  const t0 = performance.now();
  const settled = await waitFor(async () => Number((await ch.one("SELECT count() AS c FROM system.merges WHERE database = 'spur'")).c) === 0, { timeoutMs, intervalMs });
  return { seconds: (performance.now() - t0) / 1000, settled: Boolean(settled) };
}

// ---------------------------------------------------------------------------------------------
// The collector's Prometheus metrics

export async function scrapeMetrics(baseUrl) {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const sums = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, name, labels = '', value] = match;
    const v = Number(value);
    sums[name] = (sums[name] ?? 0) + v;
    if (labels) sums[`${name}${labels}`] = v;
  }
  return sums;
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function table(headers, rows, align) {
  const a = align ?? headers.map((_, i) => (i === 0 ? 'l' : 'r'));
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(a.map((x) => (x === 'r' ? '---:' : '---'))), ...rows.map((r) => line(r.map((c) => (c === undefined || c === null ? '—' : String(c)))))].join('\n');
}

export const fmt = {
  int: (n) => (n === undefined || n === null || Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US')),
  num: (n, d = 1) => (n === undefined || n === null || Number.isNaN(n) ? '—' : Number(n).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })),
  pct: (n, d = 0) => (n === undefined || n === null || Number.isNaN(n) ? '—' : `${Number(n).toFixed(d)} %`),
  mb: (bytes) => (bytes === undefined || bytes === null ? '—' : `${(bytes / 1024 / 1024).toFixed(0)} MB`),
  ms: (n, d = 1) => (n === undefined || n === null || Number.isNaN(n) ? '—' : `${Number(n).toFixed(d)} ms`),
  s: (n, d = 1) => (n === undefined || n === null || Number.isNaN(n) ? '—' : `${Number(n).toFixed(d)} s`),
  ratio: (n, d = 2) => (n === undefined || n === null || Number.isNaN(n) ? '—' : Number(n).toFixed(d)),
};

export function mean(values) {
  return values.length === 0 ? undefined : values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
