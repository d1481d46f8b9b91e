import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findFreePort, libchdbPath, startClickHouse, type EmbeddedClickHouse } from './index.js';

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGISTER_TS = fileURLToPath(new URL('../test/register-ts.mjs', import.meta.url));

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spur-clickhouse-test-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function query(url: string, sql: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', body: sql });
  const body = await response.text();
  if (!response.ok) throw new Error(body);
  return body.trim();
}

/** Alive and not a zombie: a dead orphan lingers as one until PID 1 reaps it. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await delay(50)) {
    if (check()) return true;
  }
  return check();
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

type NodeProcess = ChildProcessByStdio<null, Readable, Readable> & { stderrText: () => string };

/** A plain `node` process that can import this package's TypeScript sources. */
function runNode(args: string[]): NodeProcess {
  const child = spawn(process.execPath, ['--import', REGISTER_TS, ...args], {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return Object.assign(child, { stderrText: () => stderr });
}

async function firstStdoutLine(child: NodeProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout });
  const exitedEarly = once(child, 'close').then(() => {
    throw new Error(`process exited before printing a line: ${child.stderrText()}`);
  });
  const [line] = (await Promise.race([once(lines, 'line'), exitedEarly])) as [string];
  return line;
}

/** Name and nice value (field 19 of /proc/<pid>/task/<tid>/stat) of each thread of `pid`. */
function threadNiceValues(pid: number): Array<{ name: string; nice: number }> {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    return { name, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
  });
}

describe('startClickHouse', () => {
  let server: EmbeddedClickHouse;
  beforeAll(async () => {
    const started = performance.now();
    server = await startClickHouse();
    console.log(`embedded ClickHouse ready in ${Math.round(performance.now() - started)} ms`);
  });
  afterAll(() => server?.stop());

  test('serves ClickHouse 26 over HTTP on loopback', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await query(server.url, 'SELECT version()')).toMatch(/^26\./);
  });

  test('finds the engine library', () => {
    expect(libchdbPath()).toMatch(/libchdb\.so$/);
    expect(existsSync(libchdbPath())).toBe(true);
  });

  test('rejects a port that is already in use', async () => {
    const occupier = await listen(await findFreePort());
    const { port } = occupier.address() as { port: number };
    try {
      await expect(startClickHouse({ port })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      occupier.close();
    }
  });

  test('of two starts racing for one port, one wins and the other says why', async () => {
    const port = await findFreePort();
    // Staggered so that both pass the port check and the loser's child fails to listen,
    // while the winner already answers /ping on the loser's port.
    const startAfter = async (ms: number) => {
      await delay(ms);
      return startClickHouse({ port });
    };
    const results = await Promise.allSettled([startAfter(0), startAfter(30)]);
    const winners = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const losers = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
    try {
      expect(winners).toHaveLength(1);
      expect(losers.map((error) => error.message)).toEqual([
        `cannot start ClickHouse: port ${port} on 127.0.0.1 is already in use`,
      ]);
    } finally {
      await Promise.all(winners.map((winner) => winner.stop()));
    }
  });

  test('rejects a data directory that another server is using', async () => {
    await expect(startClickHouse({ dataDir: server.dataDir })).rejects.toThrow(
      `data directory ${server.dataDir} is in use by another ClickHouse`,
    );
  });

  test('gives up after startTimeoutMs', async () => {
    await expect(startClickHouse({ startTimeoutMs: 1 })).rejects.toThrow(/did not answer .*\/ping within 1 ms/);
  });

  test('with nice, every thread of the server runs at that CPU priority, ClickHouse\'s own included', async () => {
    const niced = await startClickHouse({ nice: 10 });
    try {
      // An insert makes ClickHouse use its query and insert thread pools.
      await query(niced.url, 'CREATE TABLE t (n UInt64) ENGINE = MergeTree ORDER BY n');
      await query(niced.url, 'INSERT INTO t SELECT number FROM numbers(100000)');
      const threads = threadNiceValues(niced.pid);
      expect(threads.length).toBeGreaterThan(10);
      // Every thread, the ones that serve HTTP, run queries and merge parts included, inherits 10;
      // only ClickHouse's memory tracker raises itself (to -20, where it has CAP_SYS_NICE).
      const own = threads.filter((t) => t.name !== 'MemoryWorker');
      expect(own.filter((t) => t.nice !== 10).map((t) => `${t.name} ${t.nice}`)).toEqual([]);
      expect(own.filter((t) => /^(HTTPHandler|MergeMutate|QueryPullPipeEx)$/.test(t.name)).length).toBeGreaterThanOrEqual(3);
      // Without the option the server runs at the priority of whoever started it.
      const runner = getPriority();
      expect(threadNiceValues(server.pid).filter((t) => t.name !== 'MemoryWorker').every((t) => t.nice === runner)).toBe(true);
    } finally {
      await niced.stop();
    }
  });

  test('refuses a nice value outside 0 to 19', async () => {
    await expect(startClickHouse({ nice: 20 })).rejects.toThrow('nice must be an integer from 0 to 19, got 20');
    await expect(startClickHouse({ nice: -1 })).rejects.toThrow('nice must be an integer from 0 to 19, got -1');
  });

  test('keeps MergeTree data across a restart on the same dataDir', async () => {
    const dataDir = await tempDir();
    const first = await startClickHouse({ dataDir });
    try {
      await query(first.url, 'CREATE TABLE events (id UInt32, at DateTime64(3)) ENGINE = MergeTree ORDER BY id');
      await query(first.url, 'INSERT INTO events SELECT number, now64(3) FROM numbers(1000)');
    } finally {
      await first.stop();
    }
    expect(existsSync(dataDir)).toBe(true);

    const second = await startClickHouse({ dataDir });
    try {
      expect(await query(second.url, 'SELECT count(), sum(id) FROM events')).toBe('1000\t499500');
    } finally {
      await second.stop();
    }
  });

  test('stop() returns once the process is gone, removes the temp dir, and is idempotent', async () => {
    const own = await startClickHouse();
    expect(isRunning(own.pid)).toBe(true);
    expect(existsSync(own.dataDir)).toBe(true);

    await own.stop();
    expect(() => process.kill(own.pid, 0)).toThrow();
    expect(existsSync(own.dataDir)).toBe(false);
    expect(await own.exited).toEqual({ code: 0, signal: null });
    await own.stop();
  });

  test('the server dies with its parent, even when the parent is SIGKILLed, and removes its temp dir', async () => {
    const script = `
      import { startClickHouse } from './src/index.ts';
      const server = await startClickHouse();
      console.log(JSON.stringify({ pid: server.pid, dataDir: server.dataDir }));`;
    const parent = runNode(['--input-type=module', '--eval', script]);
    let pid: number | undefined;
    try {
      const started = JSON.parse(await firstStdoutLine(parent)) as { pid: number; dataDir: string };
      pid = started.pid;
      tempDirs.push(started.dataDir);
      expect(isRunning(started.pid)).toBe(true);

      parent.kill('SIGKILL');
      expect(await waitUntil(() => !isRunning(started.pid), 5_000)).toBe(true);
      expect(existsSync(started.dataDir)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      if (pid !== undefined && isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('spur-clickhouse CLI', () => {
  test('prints the ready line, then stops cleanly on SIGTERM', async () => {
    const dataDir = await tempDir();
    const port = await findFreePort();
    const cli = runNode(['src/cli.ts', '--port', String(port), '--data', dataDir]);
    try {
      const line = await firstStdoutLine(cli);
      expect(line).toMatch(/^ClickHouse 26\.[\d.]+ listening on /);
      expect(line).toContain(` listening on http://127.0.0.1:${port} (data: ${dataDir})`);

      cli.kill('SIGTERM');
      const [code] = await once(cli, 'exit');
      expect(code).toBe(0);
      await expect(fetch(`http://127.0.0.1:${port}/ping`)).rejects.toThrow();
    } finally {
      cli.kill('SIGKILL');
    }
  });

  test('exits non-zero with one line on bad arguments', async () => {
    const cli = runNode(['src/cli.ts', '--port', 'http']);
    const [code] = await once(cli, 'close');
    expect(code).toBe(2);
    expect(cli.stderrText()).toBe('spur-clickhouse: --port must be a number from 1 to 65535, not "http" (see --help)\n');
  });

  test('exits non-zero with one line when the port is in use', async () => {
    const occupier = await listen(await findFreePort());
    const { port } = occupier.address() as { port: number };
    try {
      const cli = runNode(['src/cli.ts', '--port', String(port), '--data', await tempDir()]);
      const [code] = await once(cli, 'close');
      expect(code).toBe(1);
      expect(cli.stderrText()).toBe(`spur-clickhouse: cannot start ClickHouse: port ${port} on 127.0.0.1 is already in use\n`);
    } finally {
      occupier.close();
    }
  });
});
