// On-disk record frame: [u32 payload length][u32 crc32 of payload][payload], little-endian.
// The CRC lets recovery tell a complete record from a torn or corrupted one.
import zlib from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;

/**
 * Payloads must be 1 byte to 4 GiB - 1. Empty payloads are refused because a zero-filled region
 * (which a crash can leave at the end of a file) would otherwise parse as valid frames: crc32 of
 * nothing is 0.
 */
export const MIN_PAYLOAD_BYTES = 1;
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;

export const crc32: (data: Uint8Array) => number =
  typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : tableCrc32;

export function encodeFrameHeader(payload: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.byteLength, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return header;
}

/** Whether the payload that follows the header at `offset` matches the header's CRC. */
export function payloadMatchesCrc(buf: Buffer, offset: number): boolean {
  const length = buf.readUInt32LE(offset);
  const start = offset + FRAME_HEADER_BYTES;
  return crc32(buf.subarray(start, start + length)) === buf.readUInt32LE(offset + 4);
}

// Fallback for Node < 20.15, which lacks zlib.crc32 (same polynomial, so files stay compatible).
let crcTable: Uint32Array | undefined;

export function tableCrc32(data: Uint8Array): number {
  crcTable ??= buildCrcTable();
  let crc = 0xffff_ffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffff_ffff) >>> 0;
}

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb8_8320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
}
