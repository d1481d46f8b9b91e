import { EVENT_ROW_COLUMNS } from '../ingest/event-row.js';

// A spool record is one request's rows for one table, serialised once, on ingest; the shipper
// concatenates records of one kind unchanged into an insert. The first byte says the kind:
//   'b'  spur.events, RowBinary (event-row.ts): the tag, the row count (UInt32 LE), the rows;
//   'r'  spur.rejected_events, JSONEachRow lines;
//   'e'  spur.events, JSONEachRow lines: what collectors before RowBinary wrote. Still shipped,
//        so a spool left by an older version is replayed after an upgrade.

export interface RecordKind {
  table: 'events' | 'rejected_events';
  /** ClickHouse input format of the payload. */
  format: 'RowBinary' | 'JSONEachRow';
  /** Column list of the INSERT, for formats whose rows carry no names. */
  columns?: readonly string[];
  /** Bytes before the payload. */
  headerBytes: number;
}

export const RECORD_KINDS = {
  b: { table: 'events', format: 'RowBinary', columns: EVENT_ROW_COLUMNS.map(([name]) => name), headerBytes: 5 },
  r: { table: 'rejected_events', format: 'JSONEachRow', headerBytes: 1 },
  e: { table: 'events', format: 'JSONEachRow', headerBytes: 1 },
} as const satisfies Record<string, RecordKind>;
export type RecordTag = keyof typeof RECORD_KINDS;

/** Reused for encoding: UTF-8 is written once, then copied to a buffer of exactly its size. */
let scratch = Buffer.allocUnsafeSlow(256 * 1024);

/**
 * One request's JSONEachRow lines as a record. Encoding into the scratch buffer and copying out is
 * about a third cheaper than measuring the UTF-8 length first and encoding into the exact buffer.
 */
export function encodeJsonRecord(tag: 'r' | 'e', rows: string): Buffer {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (scratch.length < 1 + rows.length * 3) scratch = Buffer.allocUnsafeSlow(2 * (1 + rows.length * 3));
  scratch[0] = tag.charCodeAt(0);
  const length = 1 + scratch.write(rows, 1, 'utf8');
  const record = Buffer.allocUnsafe(length);
  scratch.copy(record, 0, 0, length);
  return record;
}

/** Where the rows of a RowBinary events record start in `source` (see binaryEventsRecord). */
export const BINARY_ROWS_OFFSET = RECORD_KINDS.b.headerBytes;

/**
 * A RowBinary events record from `source[0, end)`, whose rows start at BINARY_ROWS_OFFSET (the
 * caller leaves the header's bytes free, so the rows are copied once).
 */
export function binaryEventsRecord(source: Buffer, end: number, rows: number): Buffer {
  source[0] = 0x62; // 'b'
  source.writeUInt32LE(rows, 1);
  const record = Buffer.allocUnsafe(end);
  source.copy(record, 0, 0, end);
  return record;
}

export function recordTag(record: Buffer): RecordTag | undefined {
  const tag = String.fromCharCode(record[0] ?? 0);
  return tag in RECORD_KINDS ? (tag as RecordTag) : undefined;
}

/** The rows of a record, without its header. */
export function recordPayload(record: Buffer, tag: RecordTag): Buffer {
  return record.subarray(RECORD_KINDS[tag].headerBytes);
}

export function countRows(record: Buffer, tag: RecordTag): number {
  if (tag === 'b') return record.length >= 5 ? record.readUInt32LE(1) : 0;
  let n = 0;
  for (let i = record.indexOf(10, 1); i !== -1; i = record.indexOf(10, i + 1)) n++;
  return n;
}
