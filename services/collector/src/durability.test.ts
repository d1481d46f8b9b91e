import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { startClickHouse, type EmbeddedClickHouse } from '@spur/clickhouse-embedded';
import { afterEach, describe, expect, it } from 'vitest';
import { batch, event, postBatch, testEnv } from '../test/stack.js';
import { NODE_FLAGS } from './runtime.js';

// "Acknowledged means durable", proved with real processes: the collector runs from its build
// (dist/main.js) with its deployed Node flags in a child process so it can be killed with SIGKILL
// mid-load.

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
});

async function clickhouseOn(port?: number, dataDir?: string): Promise<{ ch: EmbeddedClickHouse; client: ClickHouseClient }> {
  const ch = await startClickHouse({ ...(port ? { port } : {}), ...(dataDir ? { dataDir } : {}) });
  const client = createClient({ url: ch.url });
  cleanups.push(() => ch.stop(), () => client.close());
  return { ch, client };
}

/** Starts dist/main.js and resolves with its URL and its log so far once it logs that it listens. */
function startCollectorProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; log: string }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run pnpm build first (pnpm test does)`);
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN], { env: { ...process.env, ...env, SPUR_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`collector did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"collector listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, log: out });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code}:\n${out}`));
    });
  });
}

/** How many of `ids` spur.events holds; the ids go through a table, a URL cannot carry thousands. */
async function countIds(client: ClickHouseClient, ids: string[], final = true): Promise<number> {
  await client.command({ query: 'CREATE TABLE IF NOT EXISTS default.acked (id UUID) ENGINE = Memory' });
  await client.command({ query: 'TRUNCATE TABLE default.acked' });
  await client.insert({ table: 'default.acked', values: ids.map((id) => ({ id })), format: 'JSONEachRow' });
  const result = await client.query({
    query: `SELECT count() AS n FROM spur.events ${final ? 'FINAL' : ''} WHERE event_id IN (SELECT id FROM default.acked)`,
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: string }>())[0]!.n);
}

async function waitForCount(client: ClickHouseClient, ids: string[], timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while (Date.now() < deadline) {
    n = await countIds(client, ids).catch(() => n);
    if (n >= ids.length) return n;
    await new Promise((r) => setTimeout(r, 200));
  }
  return n;
}

describe('durability', () => {
  it('acknowledges from the spool while ClickHouse is down, and delivers once it is back', async () => {
    // Our own data dir: the embedded server removes a temp dir it created when it stops.
    const data = await mkdtemp(join(tmpdir(), 'spur-ch-'));
    cleanups.push(() => rm(data, { recursive: true, force: true }));
    const { ch, client } = await clickhouseOn(undefined, data);
    const spool = await mkdtemp(join(tmpdir(), 'spur-spool-'));
    cleanups.push(() => rm(spool, { recursive: true, force: true }));
    const { child, url } = await startCollectorProcess(testEnv(ch.url, spool));

    const before = [event(), event()];
    expect((await postBatch(url, batch(before))).status).toBe(200);
    expect(await waitForCount(client, before.map((e) => e.id as string))).toBe(2);

    const { port, dataDir } = ch;
    await ch.stop();
    const during = Array.from({ length: 20 }, () => event('click'));
    for (let i = 0; i < during.length; i += 5) {
      const res = await postBatch(url, batch(during.slice(i, i + 5)));
      expect(res.status).toBe(200);
    }
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);

    const back = await clickhouseOn(port, dataDir);
    const ids = during.map((e) => e.id as string);
    expect(await waitForCount(back.client, ids)).toBe(ids.length);
    expect(await countIds(back.client, ids, false)).toBe(ids.length);
    child.kill('SIGTERM');
  });

  it('keeps every acknowledged event exactly once through a SIGKILL mid-load and a restart', async () => {
    const { ch, client } = await clickhouseOn();
    const spool = await mkdtemp(join(tmpdir(), 'spur-spool-'));
    cleanups.push(() => rm(spool, { recursive: true, force: true }));
    const env = testEnv(ch.url, spool, { SPUR_RATE_LIMIT_PER_IP: '0' });
    const first = await startCollectorProcess(env);

    const acked: string[] = [];
    let killed = false;
    const sender = async () => {
      while (!killed) {
        const events = Array.from({ length: 20 }, () => event('page_view'));
        try {
          const res = await postBatch(first.url, batch(events));
          if (res.status === 200) acked.push(...events.map((e) => e.id as string));
        } catch {
          return; // connection died with the process: not acknowledged
        }
      }
    };
    const senders = Array.from({ length: 8 }, sender);
    // Killed mid-load: once a few hundred events are acknowledged, with requests still in flight
    // (a fixed delay acknowledged too few on a busy machine, while the workers were still cold).
    const deadline = Date.now() + 20_000;
    while (acked.length < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    killed = true;
    first.child.kill('SIGKILL');
    await Promise.all(senders);
    expect(acked.length).toBeGreaterThanOrEqual(400);

    const second = await startCollectorProcess(env);
    expect(await waitForCount(client, acked, 60_000)).toBe(acked.length);
    expect(await countIds(client, acked)).toBe(acked.length);
    second.child.kill('SIGTERM');
  });

  it('stops within 10 s on SIGTERM, leaving nothing acknowledged behind', async () => {
    const { ch, client } = await clickhouseOn();
    const spool = await mkdtemp(join(tmpdir(), 'spur-spool-'));
    cleanups.push(() => rm(spool, { recursive: true, force: true }));
    const { child, url, log } = await startCollectorProcess(testEnv(ch.url, spool, { SPUR_FLUSH_INTERVAL_MS: '5000' }));
    // Run as deployed: the main heap capped (no warning), each worker with its own limits.
    expect(log).not.toContain('the V8 heap limit is');
    const workersReady = JSON.parse(log.split('\n').find((line) => line.includes('"ingest workers ready"'))!) as { heapLimitMb: number[] };
    for (const mb of workersReady.heapLimitMb) expect(mb).toBeLessThan(300); // 256 + 8 MB, not the main process's 384
    const events = Array.from({ length: 50 }, () => event());
    expect((await postBatch(url, batch(events))).status).toBe(200);
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await countIds(client, events.map((e) => e.id as string))).toBe(50);
  });
});
