import { describe, expect, it } from 'vitest';
import { correctTimestamp, DEFAULT_MAX_EVENT_AGE_MS } from './skew.js';

const HOUR = 3600_000;
const RECEIVED = Date.UTC(2025, 5, 1, 12, 0, 0);
const LATENCY = 80;

describe('correctTimestamp', () => {
  it('moves events of a client clock 1 h fast back onto the server clock', () => {
    const sentAt = RECEIVED - LATENCY + HOUR;
    const clientTs = sentAt - 5_000; // happened 5 s before the batch left
    expect(correctTimestamp(clientTs, sentAt, RECEIVED)).toBe(RECEIVED - 5_000);
  });

  it('moves events of a client clock 1 h slow forward onto the server clock', () => {
    const sentAt = RECEIVED - LATENCY - HOUR;
    const clientTs = sentAt - 5_000;
    expect(correctTimestamp(clientTs, sentAt, RECEIVED)).toBe(RECEIVED - 5_000);
  });

  it('keeps the time a beacon waited in the SDK queue', () => {
    const happened = RECEIVED - 20 * 60_000; // queued offline for 20 minutes
    const sentAt = RECEIVED - LATENCY;
    expect(correctTimestamp(happened, sentAt, RECEIVED)).toBe(happened + LATENCY);
  });

  it('never puts an event after the moment it arrived', () => {
    // Claims to have happened after the batch left.
    expect(correctTimestamp(RECEIVED + HOUR, RECEIVED, RECEIVED)).toBe(RECEIVED);
  });

  it('clamps events older than maxAgeMs to the oldest allowed time', () => {
    const ancient = Date.UTC(2001, 0, 1);
    expect(correctTimestamp(ancient, RECEIVED, RECEIVED)).toBe(RECEIVED - DEFAULT_MAX_EVENT_AGE_MS);
    expect(correctTimestamp(RECEIVED - 2 * HOUR, RECEIVED, RECEIVED, HOUR)).toBe(RECEIVED - HOUR);
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(correctTimestamp(RECEIVED - 1000.4, RECEIVED + 0.3, RECEIVED))).toBe(true);
  });

  it.each([
    ['NaN', Number.NaN, RECEIVED],
    ['Infinity', RECEIVED, Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY, RECEIVED],
    ['absurdly large', Number.MAX_VALUE, -Number.MAX_VALUE],
    ['absurdly negative', -Number.MAX_VALUE, Number.MAX_VALUE],
  ])('stays within bounds for %s client values', (_name, clientTs, sentAt) => {
    const corrected = correctTimestamp(clientTs, sentAt, RECEIVED);
    expect(corrected).toBeGreaterThanOrEqual(RECEIVED - DEFAULT_MAX_EVENT_AGE_MS);
    expect(corrected).toBeLessThanOrEqual(RECEIVED);
  });
});
