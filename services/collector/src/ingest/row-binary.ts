// ClickHouse's RowBinary input format, written straight into a reusable byte buffer: every value
// in the column's binary form, rows back to back, no names, no escaping. ClickHouse parses it at
// about two thirds of the CPU per row that JSONEachRow costs it, and it is half the bytes.
//
// Encodings (ClickHouse docs, "RowBinary"): integers little-endian; String and LowCardinality
// as a LEB128 length and UTF-8 bytes; DateTime64(3) as Int64 milliseconds; UUID as its two
// 64-bit halves, each little-endian; Nullable as a 1 (NULL) or 0 byte before the value; Array
// and Map as a LEB128 count before their elements (a Map's as key, value pairs).

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

const TWO_32 = 2 ** 32;
/** Largest magnitude whose value × 10⁴ is still an exact double integer. */
const EXACT_DECIMAL4 = Number.MAX_SAFE_INTEGER / 10_000;

export class RowBinaryWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written since `from`, copied into memory of their own (transferable to another thread). */
  copy(from = 0): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos - from);
    this.buf.copy(out, 0, from, this.pos);
    return out;
  }

  uint8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  bool(value: boolean): void {
    this.uint8(value ? 1 : 0);
  }

  uint32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value, this.pos);
    this.pos += 4;
  }

  /** A safe integer (|n| < 2⁵³) as Int64 or UInt64. */
  int64(value: number): void {
    const high = Math.floor(value / TWO_32);
    this.ensure(8);
    this.buf.writeUInt32LE(value - high * TWO_32, this.pos);
    this.buf.writeInt32LE(high, this.pos + 4);
    this.pos += 8;
  }

  /** A UInt64 given as its two 32-bit halves. */
  uint64Halves(low: number, high: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(low, this.pos);
    this.buf.writeUInt32LE(high, this.pos + 4);
    this.pos += 8;
  }

  /** A UInt64 given in decimal (as ClickHouse prints it). */
  uint64Decimal(value: string): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(value), this.pos);
    this.pos += 8;
  }

  /** DateTime64(3): epoch milliseconds. */
  dateTime64(ms: number): void {
    this.int64(ms);
  }

  varUInt(value: number): void {
    this.ensure(5);
    while (value >= 0x80) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
  }

  string(value: string): void {
    const { length } = value;
    // Up to 42 UTF-16 units are at most 126 UTF-8 bytes: a one-byte length, filled in after.
    if (length <= 42) {
      this.ensure(1 + 3 * length);
      const start = this.pos;
      const bytes = length === 0 ? 0 : this.buf.write(value, start + 1);
      this.buf[start] = bytes;
      this.pos = start + 1 + bytes;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varUInt(bytes);
    this.ensure(bytes);
    this.pos += this.buf.write(value, this.pos);
  }

  /** A UUID in its canonical text form (8-4-4-4-12 hex digits), as the protocol validated it. */
  uuid(text: string): void {
    this.ensure(16);
    const { buf } = this;
    let hexIndex = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 45) continue; // '-'
      const nibble = code < 128 ? HEX[code]! : -1;
      if (nibble < 0 || hexIndex >= 32) throw new TypeError(`not a UUID: ${JSON.stringify(text)}`);
      // Byte k of the text goes to position 7 - k of its 8-byte half (each half little-endian).
      const byte = hexIndex >> 1;
      const at = this.pos + (byte < 8 ? 7 - byte : 23 - byte);
      buf[at] = hexIndex & 1 ? (buf[at]! | nibble) : nibble << 4;
      hexIndex++;
    }
    if (hexIndex !== 32) throw new TypeError(`not a UUID: ${JSON.stringify(text)}`);
    this.pos += 16;
  }

  /** The all-zero UUID: the column's default. */
  zeroUuid(): void {
    this.ensure(16);
    this.buf.fill(0, this.pos, this.pos + 16);
    this.pos += 16;
  }

  nullableUInt32(value: number | undefined): void {
    if (value === undefined) return this.uint8(1);
    this.uint8(0);
    this.uint32(value);
  }

  /** Decimal(18, 4) (Decimal64, scale 4), rounded to the nearest 0.0001. */
  decimal64Scale4(value: number): void {
    if (Math.abs(value) < EXACT_DECIMAL4) return this.int64(Math.round(value * 10_000));
    // Past 2⁵³ / 10⁴ the product is no longer exact: scale the decimal digits instead.
    const [whole = '0', fraction = ''] = Math.abs(value).toFixed(4).split('.');
    const scaled = BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, '0').slice(0, 4));
    this.ensure(8);
    this.buf.writeBigInt64LE(value < 0 ? -scaled : scaled, this.pos);
    this.pos += 8;
  }

  nullableDecimal64Scale4(value: number | undefined): void {
    if (value === undefined) return this.uint8(1);
    this.uint8(0);
    this.decimal64Scale4(value);
  }

  stringArray(values: readonly string[] | undefined): void {
    if (!values) return this.uint8(0);
    this.varUInt(values.length);
    for (const value of values) this.string(value);
  }

  /** Map(String, String); values that are not strings are written as String(value). */
  stringMap(map: Readonly<Record<string, string | number | boolean>> | undefined): void {
    if (!map) return this.uint8(0);
    const keys = Object.keys(map);
    this.varUInt(keys.length);
    for (const key of keys) {
      this.string(key);
      this.string(String(map[key]));
    }
  }

  bytes(source: Uint8Array, start = 0, end = source.length): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    // A byte loop costs about 2 ns a byte, a copy through a subarray() view about 70-90 ns
    // whatever the length (the view's allocation included): the loop only wins below ~32 bytes.
    // A row's own columns are a few hundred bytes, its sender's about a hundred.
    if (n <= 32) for (let i = start; i < end; i++) buf[pos++] = source[i]!;
    else {
      buf.set(source.subarray(start, end), pos);
      pos += n;
    }
    this.pos = pos;
  }
}
