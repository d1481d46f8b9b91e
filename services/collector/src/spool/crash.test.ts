// Kills a process that is appending and shipping at full speed, then checks what survived.
// The child runs this module compiled to JavaScript (Node 20 cannot run TypeScript itself).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Spool, type SpoolChunk } from './index.js';

const SOURCE_DIR = fileURLToPath(new URL('.', import.meta.url));
const CHILD_SCRIPT = join(SOURCE_DIR, 'fixtures', 'crash-writer.mjs');
const READ_MAX_BYTES = 64 * 1024; // the child's and the re-reader's: chunk ids depend on it

let buildDir: string;
let compiledSpool: string;

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'spur-spool-build-'));
  const sources = (await readdir(SOURCE_DIR)).filter((name) => name.endsWith('.ts') && !/\.(test|bench)\.ts$/.test(name));
  for (const name of sources) {
    const { outputText } = ts.transpileModule(await readFile(join(SOURCE_DIR, name), 'utf8'), {
      fileName: name,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(join(buildDir, name.replace(/\.ts$/, '.js')), outputText);
  }
  await writeFile(join(buildDir, 'package.json'), '{"type":"module"}');
  compiledSpool = join(buildDir, 'index.js');
});

afterAll(async () => {
  await rm(buildDir, { recursive: true, force: true });
});

/** Runs the child until `killAfterMs` after its first acknowledged append, SIGKILLs it, returns its journal. */
async function runAndKill(spoolDir: string, journal: string, killAfterMs: number): Promise<string[]> {
  const child = spawn(process.execPath, [CHILD_SCRIPT, compiledSpool, spoolDir, String(READ_MAX_BYTES), journal], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let killTimer: NodeJS.Timeout | undefined;
  child.stdout.once('data', () => {
    killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
  const [, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(killTimer);
  expect(signal).toBe('SIGKILL');
  return (await readFile(journal, 'utf8')).split('\n').slice(0, -1); // drop the last, possibly partial, line
}

interface ReadChunk {
  id: string;
  first: number;
  last: number;
}

describe('crash recovery', () => {
  it.each([30, 150, 500])(
    'after a SIGKILL %i ms into appending and shipping, every acknowledged record is there exactly once, in order',
    async (killAfterMs) => {
      const workDir = await mkdtemp(join(tmpdir(), 'spur-spool-crash-'));
      const spoolDir = join(workDir, 'spool');
      try {
        const lines = await runAndKill(spoolDir, join(workDir, 'journal.txt'), killAfterMs);
        const acknowledged: number[] = [];
        const reads = new Map<string, ReadChunk>();
        const shipped: ReadChunk[] = [];
        let lastRead: ReadChunk | undefined;
        for (const line of lines) {
          const [kind, value, first, last] = line.split(' ');
          if (kind === 'A') acknowledged.push(Number(value));
          if (kind === 'R') reads.set(value!, (lastRead = { id: value!, first: Number(first), last: Number(last) }));
          if (kind === 'K') shipped.push(reads.get(value!)!);
        }
        expect(acknowledged.length).toBeGreaterThan(10); // the child was in full swing when killed

        // Acked chunks cover records 0..shippedUpTo without gaps.
        let shippedUpTo = -1;
        for (const chunk of shipped) {
          expect(chunk.first).toBe(shippedUpTo + 1);
          shippedUpTo = chunk.last;
        }
        // The kill may have come in the middle of acking the last chunk read.
        const inDoubt = lastRead && lastRead !== shipped.at(-1) ? lastRead : undefined;

        const spool = await Spool.open({ dir: spoolDir, maxBytes: 1 << 30, segmentBytes: 256 * 1024 });
        const chunks: SpoolChunk[] = [];
        for (let chunk = await spool.read(READ_MAX_BYTES); chunk; chunk = await spool.read(READ_MAX_BYTES)) {
          chunks.push(chunk);
        }
        await spool.close();
        expect(spool.recovery.corrupt).toEqual([]);

        const records = chunks.flatMap((chunk) => chunk.records);
        const remaining = records.map((record) => record.readUInt32LE(0));
        for (const [i, record] of records.entries()) {
          const n = remaining[i]!;
          expect(record.length).toBe(100 + (n % 7) * 300);
          expect(record[record.length - 1]).toBe(n % 251);
          if (i > 0) expect(n).toBe(remaining[i - 1]! + 1); // no gap, no duplicate
        }
        if (inDoubt && remaining[0] === inDoubt.first) {
          // Its ack did not land: it is read again, cut the same way, so ClickHouse can drop the repeat.
          expect(chunks[0]!.id).toBe(inDoubt.id);
          expect(remaining[chunks[0]!.records.length - 1]).toBe(inDoubt.last);
        } else {
          shippedUpTo = inDoubt?.last ?? shippedUpTo;
        }
        if (remaining.length > 0) expect(remaining[0]).toBe(shippedUpTo + 1);
        const lastKept = remaining.at(-1) ?? shippedUpTo;
        expect(Math.max(...acknowledged)).toBeLessThanOrEqual(lastKept);
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },
  );
});
