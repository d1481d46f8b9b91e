import { constants } from 'node:fs';
import { open as openFile, appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tableCrc32 } from './framing.js';
import { Spool, SpoolClosedError, SpoolFullError, SpoolWriteError, type SpoolChunk, type SpoolOptions } from './index.js';

const FRAME = 8; // header bytes per record
let dir: string;
const openSpools: Spool[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spur-spool-test-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(openSpools.splice(0).map((spool) => spool.close()));
  await rm(dir, { recursive: true, force: true });
});

async function openSpool(options: Partial<SpoolOptions> = {}): Promise<Spool> {
  const spool = await Spool.open({ dir, maxBytes: 64 << 20, ...options });
  openSpools.push(spool);
  return spool;
}

/** A record whose first 4 bytes carry its number. */
function record(n: number, size = 100): Buffer {
  const payload = Buffer.alloc(size, n % 251);
  payload.writeUInt32LE(n, 0);
  return payload;
}

const numbersOf = (chunks: SpoolChunk[]): number[] => chunks.flatMap((c) => c.records.map((r) => r.readUInt32LE(0)));
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

async function appendRange(spool: Spool, from: number, to: number, size = 100): Promise<void> {
  await Promise.all(range(from, to).map((n) => spool.append(record(n, size))));
}

async function readAll(spool: Spool, maxBytes: number, ack = true): Promise<SpoolChunk[]> {
  const chunks: SpoolChunk[] = [];
  for (let chunk = await spool.read(maxBytes); chunk; chunk = await spool.read(maxBytes)) {
    chunks.push(chunk);
    if (ack) await spool.ack(chunk);
  }
  return chunks;
}

async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.log')).sort();
}

/** FileHandle's prototype, to make file operations fail or wait. */
async function fileHandlePrototype(): Promise<object> {
  const handle = await openFile(join(dir, 'probe'), 'w');
  await handle.close();
  await rm(join(dir, 'probe'));
  return Object.getPrototypeOf(handle) as object;
}

describe('append, read, ack', () => {
  it('returns records in append order, in chunks of at most maxBytes, then nothing once acked', async () => {
    const spool = await openSpool();
    const records = range(0, 500).map((n) => record(n, 50 + (n % 13) * 40));
    await Promise.all(records.map((r) => spool.append(r)));
    expect(spool.pendingRecords).toBe(500);

    const chunks = await readAll(spool, 10_000);
    expect(chunks.flatMap((c) => c.records)).toEqual(records);
    for (const chunk of chunks) {
      expect(chunk.bytes).toBe(chunk.records.reduce((sum, r) => sum + r.length, 0));
      expect(chunk.bytes).toBeLessThanOrEqual(10_000);
    }
    expect(await spool.read(10_000)).toBeNull();
    expect(spool.pendingRecords).toBe(0);
    expect(spool.pendingBytes).toBe(0);
  });

  it('returns a record bigger than maxBytes on its own', async () => {
    const spool = await openSpool();
    await spool.append(record(1, 5000));
    await spool.append(record(2, 10));
    const chunks = await readAll(spool, 100);
    expect(chunks.map((c) => c.records.length)).toEqual([1, 1]);
    expect(chunks[0]!.bytes).toBe(5000);
  });

  it('makes a record readable only once its append has resolved (durable)', async () => {
    const spool = await openSpool();
    const appended = spool.append(record(1));
    expect(await spool.read(1000)).toBeNull();
    await appended;
    expect(numbersOf([(await spool.read(1000))!])).toEqual([1]);
  });

  it('lets reads run ahead of acks but requires acks one by one, in read order', async () => {
    const spool = await openSpool();
    await appendRange(spool, 0, 10);
    const first = (await spool.read(250))!;
    const second = (await spool.read(250))!;
    await expect(spool.ack(second)).rejects.toThrow(/read order/);
    await spool.ack(first);
    await expect(spool.ack(first)).rejects.toThrow(/unknown or already acknowledged/);
    await spool.ack(second);
    expect(spool.pendingRecords).toBe(6);
  });

  it('refuses empty records (a zeroed file region must never parse as records)', async () => {
    const spool = await openSpool();
    await expect(spool.append(new Uint8Array(0))).rejects.toThrow(RangeError);
  });

  it('waitForData resolves on the next commit and rejects when aborted', async () => {
    const spool = await openSpool();
    const waiting = spool.waitForData();
    await spool.append(record(1));
    await expect(waiting).resolves.toBeUndefined();
    await expect(spool.waitForData()).resolves.toBeUndefined(); // data is there already

    await readAll(spool, 1000);
    const controller = new AbortController();
    const aborted = spool.waitForData(controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(aborted).rejects.toThrow('shutting down');
  });
});

describe('group commit', () => {
  it('makes many concurrent appends durable with few fsyncs', async () => {
    const spool = await openSpool();
    await appendRange(spool, 0, 1000, 1000);
    expect(spool.stats.committedRecords).toBe(1000);
    expect(spool.stats.syncs).toBeLessThanOrEqual(5);
  });

  it('with maxCommitDelayMs, gathers appends that trickle in', async () => {
    const spool = await openSpool({ maxCommitDelayMs: 200 });
    const appends: Array<Promise<void>> = [];
    for (let n = 0; n < 5; n++) {
      appends.push(spool.append(record(n)));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(appends);
    expect(spool.stats.syncs).toBe(1);
  });

  it('reports each commit with its record count and duration to observeCommit', async () => {
    const commits: Array<{ records: number; seconds: number }> = [];
    const spool = await openSpool({ observeCommit: (records, seconds) => commits.push({ records, seconds }) });
    await appendRange(spool, 0, 300);
    await spool.append(record(300));
    expect(commits.length).toBe(spool.stats.syncs);
    expect(commits.reduce((sum, c) => sum + c.records, 0)).toBe(301);
    expect(commits.at(-1)!.records).toBe(1);
    for (const { seconds } of commits) expect(seconds).toBeGreaterThan(0);
  });
});

describe('segments', () => {
  it('rolls to a new segment at segmentBytes, never spans one with a chunk, deletes shipped ones', async () => {
    const spool = await openSpool({ segmentBytes: 1000 }); // 9 framed 100-byte records per segment
    await appendRange(spool, 0, 50);
    expect(spool.segments).toBe(6);
    expect(await segmentFiles()).toHaveLength(6);
    for (const name of await segmentFiles()) expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(1000);

    const first = (await spool.read(10_000))!;
    expect(first.records).toHaveLength(9); // stops at the segment end despite the budget
    await spool.ack(first);
    expect(spool.segments).toBe(5);

    const partial = (await spool.read(250))!;
    await spool.ack(partial);
    expect(spool.segments).toBe(5); // not entirely shipped: kept

    const rest = await readAll(spool, 10_000);
    expect(numbersOf([first, partial, ...rest])).toEqual(range(0, 50));
    expect(spool.segments).toBe(0);
    expect(await segmentFiles()).toEqual([]);
  });

  it('keeps numbering segments after everything was shipped and the spool reopened', async () => {
    let spool = await openSpool();
    await appendRange(spool, 0, 3);
    const [chunk] = await readAll(spool, 10_000);
    await spool.close();
    spool = await openSpool();
    await appendRange(spool, 3, 4);
    const [next] = await readAll(spool, 10_000);
    expect(chunk!.id.split(':')[1]).toBe('1');
    expect(next!.id.split(':')[1]).toBe('2');
  });
});

describe('size bound', () => {
  it('rejects appends beyond maxBytes (queued ones included) without writing, and has room again after an ack', async () => {
    const spool = await openSpool({ maxBytes: 10 * (100 + FRAME) });
    const results = await Promise.allSettled(range(0, 11).map((n) => spool.append(record(n))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect((results[10] as PromiseRejectedResult).reason).toBeInstanceOf(SpoolFullError);
    const sizeWhenFull = (await stat(join(dir, (await segmentFiles())[0]!))).size;
    await expect(spool.append(record(99))).rejects.toThrow(SpoolFullError);
    expect((await stat(join(dir, (await segmentFiles())[0]!))).size).toBe(sizeWhenFull);
    expect(spool.pendingBytes).toBe(10 * (100 + FRAME));

    await spool.ack((await spool.read(5 * 100))!);
    await appendRange(spool, 10, 15);
    await expect(spool.append(record(15))).rejects.toThrow(SpoolFullError);
  });
});

describe('recovery', () => {
  async function lastSegmentPath(): Promise<string> {
    return join(dir, (await segmentFiles()).at(-1)!);
  }

  const tornTails: Array<[string, Buffer]> = [
    ['a partial header', Buffer.from([1, 2, 3, 4, 5])],
    ['a header promising more than was written', Buffer.concat([Buffer.from([0xe8, 3, 0, 0, 1, 2, 3, 4]), Buffer.alloc(10, 7)])],
    ['a complete frame with a wrong CRC', Buffer.concat([Buffer.from([4, 0, 0, 0, 1, 2, 3, 4]), Buffer.from('abcd')])],
    ['zero-filled blocks', Buffer.alloc(4096)],
  ];

  it.each(tornTails)('truncates a torn tail of the last segment: %s', async (_, tail) => {
    let spool = await openSpool();
    await appendRange(spool, 0, 20);
    await spool.close();
    const path = await lastSegmentPath();
    const goodSize = (await stat(path)).size;
    await appendFile(path, tail);

    spool = await openSpool();
    expect(spool.recovery).toEqual({ truncatedBytes: tail.length, corrupt: [] });
    expect((await stat(path)).size).toBe(goodSize);
    await appendRange(spool, 20, 25);
    expect(numbersOf(await readAll(spool, 1 << 20))).toEqual(range(0, 25));
  });

  it('stops at a corrupt record inside an earlier segment, reports it and carries on with the next segment', async () => {
    let spool = await openSpool({ segmentBytes: 1000 });
    await appendRange(spool, 0, 30);
    await spool.close();
    const [firstSegment] = await segmentFiles();
    const path = join(dir, firstSegment!);
    const bytes = await readFile(path);
    bytes[2 * (100 + FRAME) + FRAME + 50]! ^= 0xff; // inside the third record's payload
    await writeFile(path, bytes);

    spool = await openSpool({ segmentBytes: 1000 });
    expect(spool.recovery.truncatedBytes).toBe(0);
    expect(spool.recovery.corrupt).toEqual([{ segment: 1, offset: 2 * (100 + FRAME), skippedBytes: 7 * (100 + FRAME) }]);
    expect(spool.pendingRecords).toBe(30 - 7);
    expect(numbersOf(await readAll(spool, 1 << 20))).toEqual([0, 1, ...range(9, 30)]);
  });

  it('returns unacked records again after reopening, with the same chunk ids', async () => {
    let spool = await openSpool({ segmentBytes: 3000 });
    await appendRange(spool, 0, 10);
    const chunks = await readAll(spool, 500, false); // catches up with the writer mid-segment
    await appendRange(spool, 10, 60);
    chunks.push(...(await readAll(spool, 500, false)));
    expect(numbersOf(chunks)).toEqual(range(0, 60));
    await spool.ack(chunks[0]!);
    await spool.ack(chunks[1]!);
    await spool.close();

    for (let reopen = 0; reopen < 2; reopen++) {
      spool = await openSpool({ segmentBytes: 3000 });
      const again = await readAll(spool, 500, false);
      expect(again.map((c) => c.id)).toEqual(chunks.slice(2).map((c) => c.id));
      expect(numbersOf(again)).toEqual(numbersOf(chunks.slice(2)));
      await spool.close();
    }
  });

  it('cuts chunks the same way after reopening even when a commit lands while a read is under way', async () => {
    let spool = await openSpool();
    const proto = (await fileHandlePrototype()) as { read(...args: unknown[]): Promise<unknown> };
    const fileRead = proto.read;
    let commitInFlight: Promise<unknown> = Promise.resolve();
    const slowReads = vi.spyOn(proto, 'read').mockImplementation(async function (this: unknown, ...args) {
      await commitInFlight;
      return fileRead.apply(this, args);
    });
    const chunks: SpoolChunk[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = range(round * 50, round * 50 + 50).map((n) => spool.append(record(n, 1000)));
      commitInFlight = Promise.all(batch);
      const chunk = await spool.read(200_000); // reads the previous batch, finishes after this one committed
      if (chunk) chunks.push(chunk);
      await commitInFlight;
    }
    slowReads.mockRestore();
    chunks.push(...(await readAll(spool, 200_000, false)));
    expect(numbersOf(chunks)).toEqual(range(0, 500));
    await spool.close();

    spool = await openSpool();
    const again = await readAll(spool, 200_000, false);
    expect(again.map((c) => c.id)).toEqual(chunks.map((c) => c.id));
  });

  it('deletes segments that a crash left behind after the cursor moved past them', async () => {
    let spool = await openSpool();
    await appendRange(spool, 0, 3);
    await spool.close();
    const [leftover] = await segmentFiles();
    const leftoverBytes = await readFile(join(dir, leftover!));
    spool = await openSpool();
    await readAll(spool, 1 << 20);
    await appendRange(spool, 3, 4); // a later segment, so the cursor is beyond segment 1
    await readAll(spool, 1 << 20);
    await spool.close();
    await writeFile(join(dir, leftover!), leftoverBytes);

    spool = await openSpool();
    expect(spool.pendingRecords).toBe(0);
    expect(await segmentFiles()).toEqual([]);
  });

  it('ships everything again, under a new spool id, if cursor.json is unreadable', async () => {
    let spool = await openSpool();
    await appendRange(spool, 0, 5);
    const [before] = await readAll(spool, 250, false);
    await spool.close();
    await writeFile(join(dir, 'cursor.json'), '{"spoolId":');

    spool = await openSpool();
    expect(spool.recovery.invalidCursor).toMatch(/JSON/);
    const after = await readAll(spool, 250);
    expect(numbersOf(after)).toEqual(range(0, 5));
    expect(after[0]!.id.split(':').slice(1)).toEqual(before!.id.split(':').slice(1));
    expect(after[0]!.id).not.toBe(before!.id);
  });
});

describe('close', () => {
  it('waits for appends in flight, then rejects appends, reads and waits', async () => {
    let spool = await openSpool();
    const appends = range(0, 50).map((n) => spool.append(record(n)));
    const waiting = spool.waitForData();
    await spool.close();
    await expect(Promise.all(appends)).resolves.toHaveLength(50);
    await waiting; // data was committed before close finished
    await expect(spool.append(record(50))).rejects.toThrow(SpoolClosedError);
    await expect(spool.read(100)).rejects.toThrow(SpoolClosedError);
    await expect(spool.waitForData()).rejects.toThrow(SpoolClosedError);

    spool = await openSpool();
    expect(numbersOf(await readAll(spool, 1 << 20))).toEqual(range(0, 50));
  });

  it('rejects waitForData calls still pending at close', async () => {
    const spool = await openSpool();
    const waiting = spool.waitForData();
    await spool.close();
    await expect(waiting).rejects.toThrow(SpoolClosedError);
  });
});

describe('durable writes', () => {
  it('opens segments with O_DSYNC, so a commit is durable once its one writev returns', async () => {
    const spool = await openSpool();
    const proto = (await fileHandlePrototype()) as { writev(...args: unknown[]): Promise<unknown>; datasync(): Promise<void> };
    const writev = vi.spyOn(proto, 'writev');
    const datasync = vi.spyOn(proto, 'datasync');
    await appendRange(spool, 0, 5);
    const { fd } = writev.mock.contexts[0] as { fd: number };
    // Linux reports an open file's flags (octal) in /proc; O_DSYNC is 010000 there.
    const flags = Number.parseInt(/^flags:\s+(\d+)/m.exec(await readFile(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
    expect(flags & constants.O_DSYNC).toBe(constants.O_DSYNC);
    expect(datasync).not.toHaveBeenCalled();
    await spool.close();
  });
});

describe('write failures', () => {
  // With O_DSYNC the device's failure to persist (EIO) surfaces from the write itself.
  const failures: Array<[string, string]> = [
    ['the disk fails to persist it (EIO)', 'EIO'],
    ['the disk is full (ENOSPC)', 'ENOSPC'],
  ];

  it.each(failures)('rejects the affected appends and keeps the log consistent when %s', async (_, code) => {
    let spool = await openSpool();
    await appendRange(spool, 0, 5);
    const proto = (await fileHandlePrototype()) as { writev(): Promise<unknown> };
    vi.spyOn(proto, 'writev').mockRejectedValueOnce(Object.assign(new Error(`writev failed: ${code}`), { code }));
    const failed = await Promise.allSettled(range(5, 10).map((n) => spool.append(record(n))));
    for (const result of failed) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(SpoolWriteError);
    }
    expect(spool.stats.failedCommits).toBe(1);
    expect(spool.pendingRecords).toBe(5);
    await appendRange(spool, 10, 15);
    await spool.close();

    expect((await stat(join(dir, (await segmentFiles())[0]!))).size).toBe(10 * (100 + FRAME));
    spool = await openSpool();
    expect(spool.recovery.truncatedBytes).toBe(0);
    expect(numbersOf(await readAll(spool, 1 << 20))).toEqual([...range(0, 5), ...range(10, 15)]);
  });
});

describe('framing', () => {
  it('uses the same CRC-32 in the fallback table implementation as zlib', () => {
    const data = Buffer.from('spur spool frame payload \u00e9\u4e2d');
    expect(tableCrc32(data)).toBe(zlib.crc32(data));
    expect(tableCrc32(new Uint8Array(0))).toBe(0);
  });
});
