// Throughput of the spool on this machine's disk. Each case runs once for a fixed time and prints
// its own numbers (records/s, MB/s, fsyncs/s, latency); vitest's table only shows the wall time.
//   cd /work/main && npx vitest bench --run services/collector/src/spool
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bench, describe } from 'vitest';
import { Spool } from './index.js';

const SECONDS = 5;
// Run each case exactly once: no warmup, and `async` functions (tinybench calls a plain function an
// extra time to find out whether it returns a promise).
const ONCE = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

async function withSpool(run: (spool: Spool) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'spur-spool-bench-'));
  try {
    const spool = await Spool.open({ dir, maxBytes: 4 * 2 ** 30 });
    try {
      await run(spool);
    } finally {
      await spool.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface AppendLoad {
  records: number;
  bytes: number;
  latenciesMs: number[];
}

/** `concurrency` closed-loop appenders (each appends again as soon as its last append resolved). */
async function appendFor(spool: Spool, concurrency: number, recordBytes: number, ms: number): Promise<AppendLoad> {
  const payload = Buffer.alloc(recordBytes, 0x61);
  const load: AppendLoad = { records: 0, bytes: 0, latenciesMs: [] };
  const until = performance.now() + ms;
  const appender = async (): Promise<void> => {
    while (performance.now() < until) {
      const started = performance.now();
      await spool.append(payload);
      load.latenciesMs.push(performance.now() - started);
      load.records++;
      load.bytes += recordBytes;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, appender));
  return load;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

function report(label: string, seconds: number, load: AppendLoad, syncs: number): void {
  const sorted = load.latenciesMs.sort((a, b) => a - b);
  console.log(
    `${label}: ${Math.round(load.records / seconds)} records/s, ${(load.bytes / seconds / 1e6).toFixed(1)} MB/s, ` +
      `${Math.round(syncs / seconds)} fsyncs/s (${(load.records / syncs).toFixed(1)} records/fsync), ` +
      `latency p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms`,
  );
}

describe('append (group commit)', () => {
  for (const [concurrency, recordBytes] of [
    [1, 16 * 1024],
    [8, 16 * 1024],
    [64, 16 * 1024],
    [256, 16 * 1024],
    [64, 2 * 1024],
  ] as const) {
    bench(
      `${concurrency} concurrent appenders x ${recordBytes / 1024} KiB, ${SECONDS} s`,
      async () => {
        await withSpool(async (spool) => {
          const load = await appendFor(spool, concurrency, recordBytes, SECONDS * 1000);
          report(`append c=${concurrency} ${recordBytes / 1024} KiB`, SECONDS, load, spool.stats.syncs);
        });
      },
      ONCE,
    );
  }
});

describe('read + ack', () => {
  bench(
    'drain 512 MiB of 16 KiB records in 4 MiB chunks',
    async () => {
      await withSpool(async (spool) => {
        const record = Buffer.alloc(16 * 1024, 0x62);
        const total = 32 * 1024;
        for (let i = 0; i < total; i += 256) await Promise.all(Array.from({ length: 256 }, () => spool.append(record)));
        const started = performance.now();
        let records = 0;
        let bytes = 0;
        let chunks = 0;
        let ackMs = 0;
        for (let chunk = await spool.read(4 << 20); chunk; chunk = await spool.read(4 << 20)) {
          const ackStarted = performance.now();
          await spool.ack(chunk);
          ackMs += performance.now() - ackStarted;
          records += chunk.records.length;
          bytes += chunk.bytes;
          chunks++;
        }
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `read+ack: ${Math.round(records / seconds)} records/s, ${(bytes / seconds / 1e6).toFixed(0)} MB/s, ` +
            `${Math.round(chunks / seconds)} chunks/s, ack ${(ackMs / chunks).toFixed(2)} ms avg`,
        );
      });
    },
    ONCE,
  );
});

/**
 * A shipper as the collector will run it: wait for data, linger so inserts are big (ClickHouse
 * wants few, large inserts), then read and ack until caught up.
 */
function startShipper(spool: Spool, lingerMs: number): { stop(): Promise<{ bytes: number; reads: number }> } {
  const stopped = new AbortController();
  const shipped = { bytes: 0, reads: 0 };
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      await spool.waitForData(stopped.signal).catch(() => undefined);
      await sleep(lingerMs);
      for (let chunk = await spool.read(16 << 20); chunk; chunk = await spool.read(16 << 20)) {
        await spool.ack(chunk);
        shipped.bytes += chunk.bytes;
        shipped.reads++;
      }
    }
  })();
  return {
    async stop() {
      stopped.abort();
      await loop;
      return shipped;
    },
  };
}

describe('append while shipping', () => {
  bench(
    `64 appenders x 16 KiB, shipper lingering 200 ms, ${SECONDS} s`,
    async () => {
      await withSpool(async (spool) => {
        const shipper = startShipper(spool, 200);
        const load = await appendFor(spool, 64, 16 * 1024, SECONDS * 1000);
        const shipped = await shipper.stop();
        report('append c=64 16 KiB while shipping', SECONDS, load, spool.stats.syncs);
        console.log(`  shipped ${(shipped.bytes / SECONDS / 1e6).toFixed(1)} MB/s in ${shipped.reads} reads`);
      });
    },
    ONCE,
  );

  bench(
    `open loop: 4,000 appends/s x 16 KiB (the collector's target), shipper lingering 200 ms, ${SECONDS} s`,
    async () => {
      await withSpool(async (spool) => {
        const shipper = startShipper(spool, 200);
        const payload = Buffer.alloc(16 * 1024, 0x63);
        const load: AppendLoad = { records: 0, bytes: 0, latenciesMs: [] };
        const appends: Array<Promise<void>> = [];
        const started = performance.now();
        for (let sent = 0; performance.now() - started < SECONDS * 1000; await sleep(1)) {
          for (const due = ((performance.now() - started) / 1000) * 4000; sent < due; sent++) {
            const issued = performance.now();
            appends.push(
              spool.append(payload).then(() => {
                load.latenciesMs.push(performance.now() - issued);
                load.records++;
                load.bytes += payload.length;
              }),
            );
          }
        }
        await Promise.all(appends);
        const shipped = await shipper.stop();
        report('open loop 4000/s 16 KiB while shipping', SECONDS, load, spool.stats.syncs);
        console.log(`  shipped ${(shipped.bytes / SECONDS / 1e6).toFixed(1)} MB/s in ${shipped.reads} reads`);
      });
    },
    ONCE,
  );
});
