import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { libchdbPath } from './libchdb.js';
import { findFreePort, isPortFree } from './ports.js';

export interface EmbeddedClickHouseOptions {
  /** Default: a free port. */
  port?: number;
  /** Interface to listen on. Default: 127.0.0.1. */
  host?: string;
  /** Where ClickHouse keeps its data. Default: a new temporary directory, removed by stop(). */
  dataDir?: string;
  /** Default: 60000. */
  startTimeoutMs?: number;
  /** Receives the child's stderr, line by line. */
  log?: (line: string) => void;
  /**
   * CPU priority of the ClickHouse process as a Linux nice value, 0 (default) to 19. On a machine
   * it shares with the collector, a positive value lets the collector's request handling run
   * first when both want the CPU; ClickHouse's inserts and merges use what is left.
   */
  nice?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export interface EmbeddedClickHouse {
  /** e.g. http://127.0.0.1:8123 */
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
  /** Settles when the server process ends, for whatever reason. */
  exited: Promise<ExitStatus>;
}

/**
 * The nice value for an embedded ClickHouse that shares its machine with the collector, as
 * `pnpm start` and the bench run it: the collector's request handling gets the CPU first.
 * Why, and what it costs: docs/operations.md ("Sharing a machine with ClickHouse").
 */
export const NICE_NEXT_TO_COLLECTOR = 10;

// Resolved from the package root, so that both src/ (tests) and dist/ (built) find it.
const SERVER_PROCESS = fileURLToPath(new URL('../src/server-process.mjs', import.meta.url));
const STOP_GRACE_MS = 5_000;
const PING_INTERVAL_MS = 50;
const STDERR_LINES_KEPT = 20;

/** Starts ClickHouse in a child process; resolves once its HTTP interface answers /ping. */
export async function startClickHouse(options: EmbeddedClickHouseOptions = {}): Promise<EmbeddedClickHouse> {
  const host = options.host ?? '127.0.0.1';
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const nice = options.nice ?? 0;
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new RangeError(`nice must be an integer from 0 to 19, got ${nice}`);
  const lib = libchdbPath();
  const port = options.port ?? (await findFreePort(host));
  if (!(await isPortFree(port, host))) throw portInUse(host, port);

  const ownsDataDir = options.dataDir === undefined;
  const dataDir =
    options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'spur-clickhouse-')) : resolve(options.dataDir);
  if (!ownsDataDir) await mkdir(dataDir, { recursive: true });

  const serveQueryId = `spur-embedded-${randomUUID()}`;
  const args = ['--lib', lib, '--path', dataDir, '--host', host, '--port', String(port), '--query-id', serveQueryId];
  if (ownsDataDir) args.push('--remove-path-on-exit');
  if (nice > 0) args.push('--nice', String(nice));
  // The child exits when its stdin closes, i.e. when this process dies.
  const child = spawn(process.execPath, [SERVER_PROCESS, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });

  const recentStderr: string[] = [];
  const remember = (line: string): void => {
    recentStderr.push(line);
    if (recentStderr.length > STDERR_LINES_KEPT) recentStderr.shift();
  };
  createInterface({ input: child.stderr }).on('line', (line) => {
    remember(line);
    options.log?.(line);
  });
  child.on('error', (error) => remember(`spawn failed: ${error.message}`));

  // 'close' rather than 'exit': by then all of stderr has been read.
  const exited = new Promise<ExitStatus>((resolveExit) => {
    child.on('close', (code, signal) => resolveExit({ code, signal }));
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      child.kill('SIGTERM'); // a no-op once the child has exited
      const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(killTimer);
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    })());

  const url = `http://${connectHost(host)}:${port}`;
  const outcome = await waitUntilReady(url, serveQueryId, exited, startTimeoutMs);
  if (outcome !== 'ready') {
    await stop();
    const stderr = recentStderr.join('\n');
    if (outcome === 'timeout') {
      throw new Error(`ClickHouse did not answer ${url}/ping within ${startTimeoutMs} ms${indent(stderr)}`);
    }
    if (stderr.includes('Address already in use')) throw portInUse(host, port);
    if (stderr.includes('Another server instance in same directory is already running')) {
      throw new Error(`cannot start ClickHouse: data directory ${dataDir} is in use by another ClickHouse`);
    }
    const { code, signal } = await exited;
    throw new Error(`ClickHouse exited before it was ready (code ${code}, signal ${signal})${indent(stderr)}`);
  }

  // child.pid is set: the child has answered /ping.
  return { url, port, dataDir, pid: child.pid!, stop, exited };
}

/** Polls until our server answers on `url`, the child exits, or time runs out. */
async function waitUntilReady(
  url: string,
  serveQueryId: string,
  exited: Promise<ExitStatus>,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  let childExited = false;
  const onExit = exited.then(() => {
    childExited = true;
    return 'exited' as const;
  });
  const polling = (async () => {
    while (!childExited) {
      if ((await ping(url)) && (await isServing(url, serveQueryId))) return 'ready' as const;
      if (Date.now() >= deadline) return 'timeout' as const;
      await delay(PING_INTERVAL_MS);
    }
    return 'exited' as const;
  })();
  return Promise.race([onExit, polling]);
}

async function ping(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    return (await response.text()) === 'Ok.\n';
  } catch {
    return false;
  }
}

/**
 * True when the server on `url` runs our child's serving query: after two starts raced for
 * one port, the loser must not mistake the winner for itself.
 */
async function isServing(url: string, serveQueryId: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body: `SELECT count() FROM system.processes WHERE query_id = '${serveQueryId}'`,
      signal: AbortSignal.timeout(1_000),
    });
    return (await response.text()) === '1\n';
  } catch {
    return false;
  }
}

/** The host clients use: wildcard listeners are reachable on loopback; IPv6 needs brackets. */
function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function portInUse(host: string, port: number): Error {
  return new Error(`cannot start ClickHouse: port ${port} on ${host} is already in use`);
}

function indent(text: string): string {
  return text ? `:\n  ${text.split('\n').join('\n  ')}` : '';
}
