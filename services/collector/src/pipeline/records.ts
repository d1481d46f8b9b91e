// A spool record is one request's rows for one table: a one-byte table tag, then JSONEachRow
// lines. Rows are serialised once, on ingest; the shipper concatenates them unchanged.

export const TABLES = { e: 'events', r: 'rejected_events' } as const;
export type TableTag = keyof typeof TABLES;

/** Reused for encoding: UTF-8 is written once, then copied to a buffer of exactly its size. */
let scratch = Buffer.allocUnsafeSlow(256 * 1024);

/**
 * One request's rows as a spool record. Encoding into the scratch buffer and copying out is
 * about a third cheaper than measuring the UTF-8 length first and encoding into the exact buffer
 * (that walks the freshly concatenated rows twice); this runs on the main thread per request.
 */
export function encodeRecord(tag: TableTag, rows: string): Buffer {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (scratch.length < 1 + rows.length * 3) scratch = Buffer.allocUnsafeSlow(2 * (1 + rows.length * 3));
  scratch[0] = tag.charCodeAt(0);
  const length = 1 + scratch.write(rows, 1, 'utf8');
  const record = Buffer.allocUnsafe(length);
  scratch.copy(record, 0, 0, length);
  return record;
}

export function recordTag(record: Buffer): TableTag | undefined {
  const tag = String.fromCharCode(record[0] ?? 0);
  return tag in TABLES ? (tag as TableTag) : undefined;
}

export function countRows(record: Buffer): number {
  let n = 0;
  for (let i = record.indexOf(10, 1); i !== -1; i = record.indexOf(10, i + 1)) n++;
  return n;
}
