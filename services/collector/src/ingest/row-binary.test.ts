import { describe, expect, it } from 'vitest';
import { RowBinaryWriter } from './row-binary.js';

const bytes = (write: (w: RowBinaryWriter) => void) => {
  const w = new RowBinaryWriter(1);
  write(w);
  return [...w.copy()];
};

describe('RowBinaryWriter: values in ClickHouse\'s RowBinary encoding', () => {
  it('writes lengths and counts as LEB128', () => {
    expect(bytes((w) => w.varUInt(0))).toEqual([0]);
    expect(bytes((w) => w.varUInt(127))).toEqual([127]);
    expect(bytes((w) => w.varUInt(128))).toEqual([0x80, 1]);
    expect(bytes((w) => w.varUInt(300))).toEqual([0xac, 2]);
  });

  it('writes strings as their UTF-8 byte length and bytes, short or long', () => {
    expect(bytes((w) => w.string(''))).toEqual([0]);
    expect(bytes((w) => w.string('aü'))).toEqual([3, 0x61, 0xc3, 0xbc]);
    const long = '€'.repeat(43); // 129 bytes: a two-byte length
    expect(bytes((w) => w.string(long))).toEqual([0x81, 1, ...Buffer.from(long)]);
    const edge = '€'.repeat(42); // 126 bytes: the longest with a one-byte length filled in afterwards
    expect(bytes((w) => w.string(edge))).toEqual([126, ...Buffer.from(edge)]);
  });

  it('writes every string as Buffer.from(s) after its LEB128 byte length, at every length class', () => {
    const leb128 = (n: number) => {
      const out: number[] = [];
      for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
      return [...out, n];
    };
    const expected = (s: string) => {
      const utf8 = Buffer.from(s, 'utf8');
      return [...leb128(utf8.length), ...utf8];
    };
    for (const length of [1, 41, 42, 43, 100, 127, 128, 129, 16_383, 16_384, 20_000]) {
      const ascii = 'https://shop.example/p?q=1'.repeat(Math.ceil(length / 26)).slice(0, length);
      // ASCII; one non-ASCII unit at the start, the middle or the end; a lone surrogate (U+FFFD).
      const variants = [ascii, `é${ascii.slice(1)}`, `${ascii.slice(0, length >> 1)}€${ascii.slice((length >> 1) + 1)}`, `${ascii.slice(0, -1)}—`, `${ascii.slice(0, -1)}\ud800`];
      for (const value of variants) expect(bytes((w) => w.string(value))).toEqual(expected(value));
    }
  });

  it('writes integers little-endian, Int64 in both signs', () => {
    expect(bytes((w) => w.uint32(0x01020304))).toEqual([4, 3, 2, 1]);
    expect(bytes((w) => w.int64(2 ** 40 + 5))).toEqual([5, 0, 0, 0, 0, 1, 0, 0]);
    expect(bytes((w) => w.int64(-1))).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    expect(bytes((w) => w.uint64Decimal('18446744073709551615'))).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    expect(bytes((w) => w.uint64Halves(1, 2))).toEqual([1, 0, 0, 0, 2, 0, 0, 0]);
  });

  it('writes a UUID as its two halves, each little-endian, whatever the case of its digits', () => {
    const expected = [0xe7, 0x11, 0xb3, 0x5c, 0x04, 0xc4, 0xf0, 0x61, 0xa0, 0xdb, 0xd3, 0x6a, 0x00, 0xa6, 0x7b, 0x90];
    expect(bytes((w) => w.uuid('61f0c404-5cb3-11e7-907b-a6006ad3dba0'))).toEqual(expected);
    expect(bytes((w) => w.uuid('61F0C404-5CB3-11E7-907B-A6006AD3DBA0'))).toEqual(expected);
    expect(() => bytes((w) => w.uuid('61f0c404-5cb3-11e7-907b-a6006ad3dba'))).toThrow(/not a UUID/);
    expect(() => bytes((w) => w.uuid('61f0c404-5cb3-11e7-907b-a6006ad3dbxx'))).toThrow(/not a UUID/);
  });

  it('writes Nullable values after a NULL flag, and Decimal(18, 4) scaled by 10⁴', () => {
    expect(bytes((w) => w.nullableUInt32(undefined))).toEqual([1]);
    expect(bytes((w) => w.nullableUInt32(7))).toEqual([0, 7, 0, 0, 0]);
    expect(bytes((w) => w.nullableDecimal64Scale4(1.5))).toEqual([0, 0x98, 0x3a, 0, 0, 0, 0, 0, 0]); // 15000
  });

  it('grows its buffer and keeps what was written', () => {
    const w = new RowBinaryWriter(4);
    for (let i = 0; i < 1000; i++) w.string(`value ${i}`);
    const out = w.copy();
    expect(out.length).toBe(w.pos);
    expect(out.subarray(0, 8).toString('latin1')).toBe('\u0007value 0');
  });
});
