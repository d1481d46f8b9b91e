import { describe, expect, it } from 'vitest';
import { countRows, encodeRecord, recordTag } from './records.js';

describe('spool records', () => {
  it('are the table tag, then the rows as UTF-8, byte for byte', () => {
    const rows = '{"title":"Grüße – 😀"}\n{"a":1}\n';
    const record = encodeRecord('e', rows);
    expect(recordTag(record)).toBe('e');
    expect(record.subarray(1).toString('utf8')).toBe(rows);
    expect(record.length).toBe(1 + Buffer.byteLength(rows));
    expect(countRows(record)).toBe(2);
  });

  it('stay independent of one another, whatever their size', () => {
    const small = encodeRecord('r', 'x\n');
    const big = encodeRecord('e', 'ü'.repeat(300_000) + '\n'); // larger than the reused scratch buffer
    const again = encodeRecord('r', 'y\n');
    expect(small.toString('utf8')).toBe('rx\n');
    expect(big.length).toBe(1 + 600_000 + 1);
    expect(again.toString('utf8')).toBe('ry\n');
  });
});
