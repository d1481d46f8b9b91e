// cursor.json: how far the log has been shipped, plus the spool's identity. Replaced atomically
// (temp file, fsync, rename) so a crash leaves either the old or the new cursor, never a torn one.
import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from './segment-files.js';

export interface Cursor {
  /**
   * Random id chosen when the spool directory is first used. It prefixes chunk ids so that a
   * wiped or different spool directory, whose segment numbers start again at 1, never produces
   * a chunk id ClickHouse has already seen.
   */
  readonly spoolId: string;
  /** Everything before `offset` in segment `segment`, and all earlier segments, is shipped. */
  readonly segment: number;
  readonly offset: number;
}

const CURSOR_FILE = 'cursor.json';
const CURSOR_TEMP_FILE = 'cursor.json.tmp';

export type StoredCursor =
  | { status: 'ok'; cursor: Cursor }
  | { status: 'missing' }
  | { status: 'invalid'; reason: string };

export function readCursorSync(dir: string): StoredCursor {
  let text: string;
  try {
    text = readFileSync(join(dir, CURSOR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw err;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (isCursor(value)) return { status: 'ok', cursor: value };
    return { status: 'invalid', reason: `unexpected content: ${text.slice(0, 200)}` };
  } catch (err) {
    return { status: 'invalid', reason: (err as Error).message };
  }
}

/**
 * Replaces cursor.json. `durable` also fsyncs the directory so the rename itself survives a power
 * loss; needed before deleting files the new cursor covers, or when the file is first created.
 */
export async function writeCursor(dir: string, cursor: Cursor, durable: boolean): Promise<void> {
  const tempPath = join(dir, CURSOR_TEMP_FILE);
  const handle = await open(tempPath, 'w');
  try {
    await handle.writeFile(JSON.stringify(cursor));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tempPath, join(dir, CURSOR_FILE));
  if (durable) await fsyncDir(dir);
}

function isCursor(value: unknown): value is Cursor {
  if (typeof value !== 'object' || value === null) return false;
  const { spoolId, segment, offset } = value as Record<string, unknown>;
  return (
    typeof spoolId === 'string' &&
    spoolId.length > 0 &&
    Number.isSafeInteger(segment) &&
    (segment as number) >= 0 &&
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0
  );
}
