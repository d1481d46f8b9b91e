// A spool record is one request's rows for one table: a one-byte table tag, then JSONEachRow
// lines. Rows are serialised once, on ingest; the shipper concatenates them unchanged.

export const TABLES = { e: 'events', r: 'rejected_events' } as const;
export type TableTag = keyof typeof TABLES;

export function encodeRecord(tag: TableTag, rows: string): Buffer {
  const body = Buffer.allocUnsafe(1 + Buffer.byteLength(rows));
  body[0] = tag.charCodeAt(0);
  body.write(rows, 1, 'utf8');
  return body;
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
