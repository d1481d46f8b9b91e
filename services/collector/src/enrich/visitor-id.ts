import { createHash } from 'node:crypto';

const DAY_MS = 86_400_000;
const SEPARATOR = '\u0000';

/**
 * Cookie-free visitor id: the first 8 bytes of SHA-256(salt ‖ 0 ‖ site ‖ 0 ‖ ip ‖ 0 ‖ ua),
 * read big-endian as an unsigned 64-bit integer, in decimal (ClickHouse UInt64 via JSON).
 * With a daily salt that is deleted after two days, ids cannot be linked across days nor
 * recomputed from a known IP later. The IP is only hashed here, never kept.
 *
 * Fields are separated by NUL; site ids and IPs cannot contain one, and the UA comes last,
 * so distinct inputs never produce the same hashed bytes.
 */
export function visitorId(salt: Buffer, site: string, ip: string, userAgent: string): string {
  const digest = createHash('sha256')
    .update(salt)
    .update(SEPARATOR + site + SEPARATOR + ip + SEPARATOR + userAgent)
    .digest();
  return digest.readBigUInt64BE(0).toString();
}

/** UTC day index since the epoch: days 0, 1, 2… change at UTC midnight. */
export function dayNumber(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}
