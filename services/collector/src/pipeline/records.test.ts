import { describe, expect, it } from 'vitest';
import { BINARY_ROWS_OFFSET, binaryEventsRecord, countRows, encodeJsonRecord, recordPayload, recordTag } from './records.js';

describe('spool records', () => {
  it('of JSONEachRow rows are the tag, then the rows as UTF-8, byte for byte', () => {
    const rows = '{"title":"Grüße – 😀"}\n{"a":1}\n';
    const record = encodeJsonRecord('r', rows);
    expect(recordTag(record)).toBe('r');
    expect(recordPayload(record, 'r').toString('utf8')).toBe(rows);
    expect(record.length).toBe(1 + Buffer.byteLength(rows));
    expect(countRows(record, 'r')).toBe(2);
  });

  it('of RowBinary events are the tag "b", the row count and the rows, copied out of the writer\'s buffer', () => {
    const scratch = Buffer.alloc(64, 0xee);
    const rows = Buffer.from([1, 2, 3, 4, 5, 6]);
    rows.copy(scratch, BINARY_ROWS_OFFSET);
    const record = binaryEventsRecord(scratch, BINARY_ROWS_OFFSET + rows.length, 3);
    expect(recordTag(record)).toBe('b');
    expect(countRows(record, 'b')).toBe(3);
    expect(recordPayload(record, 'b')).toEqual(rows);
    scratch.fill(0); // the next batch reuses the writer's buffer
    expect(recordPayload(record, 'b')).toEqual(rows);
  });

  it('written by older collectors (JSONEachRow events, tag "e") are still read', () => {
    const record = Buffer.from('e{"a":1}\n', 'utf8');
    expect(recordTag(record)).toBe('e');
    expect(countRows(record, 'e')).toBe(1);
    expect(recordPayload(record, 'e').toString()).toBe('{"a":1}\n');
    expect(recordTag(Buffer.from('x'))).toBeUndefined();
  });

  it('stay independent of one another, whatever their size', () => {
    const small = encodeJsonRecord('r', 'x\n');
    const big = encodeJsonRecord('e', 'ü'.repeat(300_000) + '\n'); // larger than the reused scratch buffer
    const again = encodeJsonRecord('r', 'y\n');
    expect(small.toString('utf8')).toBe('rx\n');
    expect(big.length).toBe(1 + 600_000 + 1);
    expect(again.toString('utf8')).toBe('ry\n');
  });
});
