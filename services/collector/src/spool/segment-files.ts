// Segment files: `<20-digit sequence number>.log`, holding frames back to back and nothing else.
import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** A segment as the spool tracks it in memory. */
export interface Segment {
  readonly seq: number;
  /** Committed length: every byte below it is fsync'd and made of whole frames. */
  end: number;
  /** No append will ever go to this segment again, so `end` is final. */
  sealed: boolean;
}

const SEGMENT_FILE = /^(\d{20})\.log$/;

export function segmentPath(dir: string, seq: number): string {
  return join(dir, `${String(seq).padStart(20, '0')}.log`);
}

/** Sequence numbers of the segment files in `dir`, ascending. */
export function listSegmentSeqs(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => SEGMENT_FILE.exec(name)?.[1])
    .filter((digits) => digits !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Makes creations, renames and deletions of entries in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
