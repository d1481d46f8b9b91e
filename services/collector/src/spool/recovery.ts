// Startup scan of the segment files (synchronous: it runs once, before the spool takes traffic).
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync } from 'node:fs';
import { FRAME_HEADER_BYTES, MIN_PAYLOAD_BYTES, payloadMatchesCrc } from './framing.js';
import { listSegmentSeqs, segmentPath, type Segment } from './segment-files.js';

export interface CorruptRegion {
  segment: number;
  /** Offset of the first frame that failed its length or CRC check. */
  offset: number;
  /** Bytes from there to the end of the file, which are skipped: frame boundaries are lost. */
  skippedBytes: number;
}

export interface RecoveryReport {
  /** Torn tail cut off the last segment: the unacknowledged end of a write a crash interrupted. */
  truncatedBytes: number;
  /** Damaged regions inside earlier segments. Not a crash artefact (those segments were fsync'd). */
  corrupt: CorruptRegion[];
  /** Why cursor.json could not be used, if it could not; the log is then shipped from its start. */
  invalidCursor?: string;
}

export interface RecoveredLog {
  /** Segments holding unshipped records, ascending, all sealed: appends go to a fresh segment. */
  segments: Segment[];
  /** Where the unshipped records start in `segments[0]`. */
  firstOffset: number;
  pendingBytes: number;
  pendingRecords: number;
  /** First sequence number never used in this directory (as far as the cursor and files tell). */
  nextSeq: number;
  report: RecoveryReport;
}

export interface ShippedPosition {
  segment: number;
  offset: number;
}

/**
 * Verifies every unshipped frame, truncates a torn tail of the last segment, stops at corruption in
 * other segments (reporting it), and deletes segment files holding nothing unshipped.
 */
export function recoverLog(dir: string, shipped: ShippedPosition | undefined): RecoveredLog {
  const seqs = listSegmentSeqs(dir);
  const lastSeq = seqs.at(-1);
  const log: RecoveredLog = {
    segments: [],
    firstOffset: 0,
    pendingBytes: 0,
    pendingRecords: 0,
    nextSeq: Math.max(lastSeq ?? 0, shipped?.segment ?? 0) + 1,
    report: { truncatedBytes: 0, corrupt: [] },
  };
  for (const seq of seqs) {
    const path = segmentPath(dir, seq);
    if (shipped && seq < shipped.segment) {
      unlinkSync(path); // shipped; a crash came between the cursor update and the deletion
      continue;
    }
    const shippedUpTo = shipped?.segment === seq ? shipped.offset : 0;
    const scan = scanSegment(path, shippedUpTo, seq === lastSeq);
    if (scan.truncatedBytes > 0) log.report.truncatedBytes += scan.truncatedBytes;
    if (scan.corruptBytes > 0) {
      log.report.corrupt.push({ segment: seq, offset: scan.end, skippedBytes: scan.corruptBytes });
    }
    if (scan.end <= shippedUpTo) {
      unlinkSync(path);
      continue;
    }
    if (log.segments.length === 0) log.firstOffset = shippedUpTo;
    log.segments.push({ seq, end: scan.end, sealed: true });
    log.pendingBytes += scan.end - shippedUpTo;
    log.pendingRecords += scan.records;
  }
  return log;
}

interface SegmentScan {
  /** End of the last valid frame. */
  end: number;
  records: number;
  truncatedBytes: number;
  corruptBytes: number;
}

const SCAN_BLOCK_BYTES = 1 << 20;

function scanSegment(path: string, from: number, isLast: boolean): SegmentScan {
  const fd = openSync(path, isLast ? 'r+' : 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const { end, records } = scanFrames(fd, from, fileSize);
    const badBytes = Math.max(0, fileSize - end);
    if (badBytes === 0) return { end, records, truncatedBytes: 0, corruptBytes: 0 };
    if (!isLast) return { end, records, truncatedBytes: 0, corruptBytes: badBytes };
    // Durably, so the tail cannot come back once a newer segment makes this one "not last".
    ftruncateSync(fd, end);
    fdatasyncSync(fd);
    return { end, records, truncatedBytes: badBytes, corruptBytes: 0 };
  } finally {
    closeSync(fd);
  }
}

/** Walks frames from `from` while they are complete and pass their CRC. */
function scanFrames(fd: number, from: number, fileSize: number): { end: number; records: number } {
  let pos = from;
  let records = 0;
  let block = Buffer.alloc(0);
  let blockStart = from;
  const load = (minBytes: number): void => {
    block = Buffer.allocUnsafe(Math.min(fileSize - pos, Math.max(minBytes, SCAN_BLOCK_BYTES)));
    blockStart = pos;
    readFullySync(fd, block, pos);
  };
  while (pos + FRAME_HEADER_BYTES <= fileSize) {
    if (pos + FRAME_HEADER_BYTES > blockStart + block.length) load(FRAME_HEADER_BYTES);
    const payloadLength = block.readUInt32LE(pos - blockStart);
    const frameEnd = pos + FRAME_HEADER_BYTES + payloadLength;
    // A length running past the end of the file is a torn write (or garbage); never allocate it.
    if (payloadLength < MIN_PAYLOAD_BYTES || frameEnd > fileSize) break;
    if (frameEnd > blockStart + block.length) load(FRAME_HEADER_BYTES + payloadLength);
    if (!payloadMatchesCrc(block, pos - blockStart)) break;
    pos = frameEnd;
    records++;
  }
  return { end: pos, records };
}

function readFullySync(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at ${position + done}`);
    done += n;
  }
}
