import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dayNumber, visitorId } from './visitor-id.js';

const SALT = Buffer.alloc(32, 7);
const OTHER_SALT = Buffer.alloc(32, 8);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

describe('visitorId', () => {
  it('is the first 8 bytes of SHA-256(salt ‖ 0 ‖ site ‖ 0 ‖ ip ‖ 0 ‖ ua) as an unsigned decimal', () => {
    const expected = createHash('sha256')
      .update(Buffer.concat([SALT, Buffer.from(['shop', '203.0.113.9', UA].map((field) => '\u0000' + field).join(''))]))
      .digest()
      .readBigUInt64BE(0)
      .toString();
    expect(visitorId(SALT, 'shop', '203.0.113.9', UA)).toBe(expected);
  });

  it('is a decimal UInt64', () => {
    const id = visitorId(SALT, 'shop', '203.0.113.9', UA);
    expect(id).toMatch(/^\d{1,20}$/);
    expect(BigInt(id)).toBeLessThan(2n ** 64n);
  });

  it('is stable for the same salt, site, IP and user agent', () => {
    expect(visitorId(SALT, 'shop', '203.0.113.9', UA)).toBe(visitorId(SALT, 'shop', '203.0.113.9', UA));
  });

  it.each([
    ['salt', { salt: OTHER_SALT }],
    ['site', { site: 'other-shop' }],
    ['IP', { ip: '203.0.113.10' }],
    ['user agent', { ua: UA + ' Edg/124.0' }],
  ])('changes with the %s', (_field, change) => {
    const base = { salt: SALT, site: 'shop', ip: '203.0.113.9', ua: UA };
    const changed = { ...base, ...change };
    expect(visitorId(changed.salt, changed.site, changed.ip, changed.ua)).not.toBe(visitorId(base.salt, base.site, base.ip, base.ua));
  });

  it('does not let a field boundary shift produce the same id', () => {
    expect(visitorId(SALT, 'shop1', '0.0.0.1', UA)).not.toBe(visitorId(SALT, 'shop', '10.0.0.1', UA));
  });

  it('accepts an empty user agent and odd strings', () => {
    expect(visitorId(SALT, 'shop', '::1', '')).toMatch(/^\d+$/);
    expect(visitorId(SALT, 'shop', '::1', '\ud800\u0000x'.repeat(500))).toMatch(/^\d+$/);
  });
});

describe('dayNumber', () => {
  it('counts UTC days since the epoch', () => {
    expect(dayNumber(0)).toBe(0);
    expect(dayNumber(Date.UTC(2025, 0, 1, 23, 59, 59, 999))).toBe(dayNumber(Date.UTC(2025, 0, 1)));
    expect(dayNumber(Date.UTC(2025, 0, 2))).toBe(dayNumber(Date.UTC(2025, 0, 1)) + 1);
  });
});
