import { describe, expect, it } from 'vitest';
import { SessionTracker } from './sessions.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2025, 5, 1, 10, 0);
const at = (minutes: number) => T0 + minutes * MINUTE;

describe('SessionTracker', () => {
  it('keeps events 29 minutes apart in one session', () => {
    const sessions = new SessionTracker();
    const first = sessions.assign('v1', at(0));
    expect(sessions.assign('v1', at(29))).toBe(first);
  });

  it('starts a new session after a 31 minute gap', () => {
    const sessions = new SessionTracker();
    const first = sessions.assign('v1', at(0));
    expect(sessions.assign('v1', at(31))).not.toBe(first);
  });

  it('measures the gap from the previous event, not from the session start', () => {
    const sessions = new SessionTracker();
    const first = sessions.assign('v1', at(0));
    sessions.assign('v1', at(25));
    expect(sessions.assign('v1', at(50))).toBe(first);
  });

  it('gives different visitors different sessions', () => {
    const sessions = new SessionTracker();
    expect(sessions.assign('v1', at(0))).not.toBe(sessions.assign('v2', at(0)));
  });

  it('returns session ids as decimal UInt64 strings', () => {
    const id = new SessionTracker().assign('v1', at(0));
    expect(id).toMatch(/^\d{1,20}$/);
    expect(BigInt(id)).toBeLessThan(2n ** 64n);
  });

  it('honours a custom gap', () => {
    const sessions = new SessionTracker({ gapMs: 5 * MINUTE });
    const first = sessions.assign('v1', at(0));
    expect(sessions.assign('v1', at(6))).not.toBe(first);
  });

  describe('out-of-order events', () => {
    it('join the session they fall into, within or across batches', () => {
      const sessions = new SessionTracker();
      const session = sessions.assign('v1', at(0));
      expect(sessions.assign('v1', at(20))).toBe(session);
      expect(sessions.assign('v1', at(5))).toBe(session); // late, inside the session
      expect(sessions.assign('v1', at(-25))).toBe(session); // late, less than the gap before its start
      expect(sessions.assign('v1', at(-50))).toBe(session); // the session now starts at -25
    });

    it('get a one-off id when older than the remembered session, which carries on', () => {
      const sessions = new SessionTracker();
      const current = sessions.assign('v1', at(0));
      const stale = sessions.assign('v1', at(-45));
      expect(stale).not.toBe(current);
      expect(sessions.assign('v1', at(10))).toBe(current);
    });
  });

  describe('memory', () => {
    it('never remembers more than maxVisitors', () => {
      const sessions = new SessionTracker({ maxVisitors: 100 });
      for (let i = 0; i < 1_000; i++) sessions.assign(`v${i}`, at(0));
      expect(sessions.size).toBe(100);
    });

    it('drops visitors idle longer than the gap as new ones arrive', () => {
      const sessions = new SessionTracker();
      sessions.assign('v1', at(0));
      sessions.assign('v2', at(1));
      sessions.assign('v3', at(60));
      expect(sessions.size).toBe(1);
    });

    it('at the limit, drops the longest idle visitor and keeps active ones', () => {
      const sessions = new SessionTracker({ maxVisitors: 2 });
      const active = sessions.assign('active', at(0));
      sessions.assign('idle', at(1));
      sessions.assign('active', at(10));
      sessions.assign('newcomer', at(11));
      expect(sessions.size).toBe(2);
      expect(sessions.assign('active', at(12))).toBe(active);
    });
  });

  describe('session channel', () => {
    it("is the channel of the event that opened the session, whatever later events' own channel", () => {
      const sessions = new SessionTracker();
      const landing = sessions.assign('v1', at(0), 'email');
      const next = sessions.assign('v1', at(5), 'internal');
      expect(landing).toMatchObject({ id: landing.id, channel: 'email' });
      expect(next).toBe(landing);
    });

    it('is taken from the opening event of a new session after the gap', () => {
      const sessions = new SessionTracker();
      sessions.assign('v1', at(0), 'email');
      expect(sessions.assign('v1', at(40), 'organic_search').channel).toBe('organic_search');
    });

    it('is that of the event itself for an event outside the remembered session', () => {
      const sessions = new SessionTracker();
      sessions.assign('v1', at(0), 'email');
      expect(sessions.assign('v1', at(-45), 'paid_search').channel).toBe('paid_search');
    });

    it('is continued from warm() rows', () => {
      const sessions = new SessionTracker();
      sessions.warm([{ visitor_id: 'v1', session_id: '42', last_ts: at(0), channel: 'paid_social' }]);
      expect(sessions.assign('v1', at(3), 'internal')).toMatchObject({ id: '42', channel: 'paid_social' });
    });
  });

  describe('session id', () => {
    const halves = (a: { idLow: number; idHigh: number }) => (BigInt(a.idHigh) << 32n) | BigInt(a.idLow);

    it('comes in decimal and as the 32-bit halves a RowBinary row carries, the same number', () => {
      const sessions = new SessionTracker();
      for (let v = 0; v < 50; v++) {
        const a = sessions.assign(`v${v}`, at(0), 'direct');
        expect(halves(a).toString()).toBe(a.id);
      }
    });

    it('is read from warm() rows over the whole UInt64 range; a row whose id is not one is skipped', () => {
      const sessions = new SessionTracker();
      sessions.warm([
        { visitor_id: 'max', session_id: '18446744073709551615', last_ts: at(0) },
        { visitor_id: 'bad', session_id: 'not-a-number', last_ts: at(0) },
      ]);
      const max = sessions.assign('max', at(1), 'direct');
      expect([max.id, max.idLow, max.idHigh]).toEqual(['18446744073709551615', 0xffff_ffff, 0xffff_ffff]);
      expect(sessions.size).toBe(1);
    });
  });

  describe('warm', () => {
    it('continues a session loaded before a restart', () => {
      const sessions = new SessionTracker();
      sessions.warm([{ visitor_id: 'v1', session_id: '1234567890123456789', last_ts: at(0) }]);
      expect(sessions.size).toBe(1);
      expect(sessions.assign('v1', at(10))).toBe('1234567890123456789');
    });

    it('does not continue a loaded session after the gap', () => {
      const sessions = new SessionTracker();
      sessions.warm([{ visitor_id: 'v1', session_id: '42', last_ts: at(0) }]);
      expect(sessions.assign('v1', at(31))).not.toBe('42');
    });

    it('keeps the newest session when a visitor appears twice', () => {
      const sessions = new SessionTracker();
      sessions.warm([
        { visitor_id: 'v1', session_id: '2', last_ts: at(20) },
        { visitor_id: 'v1', session_id: '1', last_ts: at(0) },
      ]);
      expect(sessions.assign('v1', at(25))).toBe('2');
    });

    it('respects maxVisitors and skips rows without a usable time', () => {
      const sessions = new SessionTracker({ maxVisitors: 3 });
      sessions.warm(
        Array.from({ length: 10 }, (_, i) => ({ visitor_id: `v${i}`, session_id: String(i), last_ts: at(i) })),
      );
      sessions.warm([{ visitor_id: 'broken', session_id: '1', last_ts: Number.NaN }]);
      expect(sessions.size).toBe(3);
      expect(sessions.assign('v9', at(12))).toBe('9');
    });
  });

  it('gives an event with a non-finite time its own session without disturbing state', () => {
    const sessions = new SessionTracker();
    const current = sessions.assign('v1', at(0));
    expect(sessions.assign('v1', Number.NaN)).not.toBe(current);
    expect(sessions.assign('v1', at(1))).toBe(current);
  });

  it('refuses nonsensical options', () => {
    expect(() => new SessionTracker({ gapMs: 0 })).toThrow(RangeError);
    expect(() => new SessionTracker({ maxVisitors: 0 })).toThrow(RangeError);
  });
});
