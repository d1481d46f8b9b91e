import { getRandomValues } from 'node:crypto';
import { LruCache } from './lru.js';

export interface SessionTrackerOptions {
  /** Events of one visitor less than this far apart share a session. */
  gapMs?: number;
  /** Most visitors whose current session is remembered. */
  maxVisitors?: number;
}

/** A visitor's latest session, as loaded from ClickHouse at start. */
export interface SessionSeed {
  visitor_id: string;
  session_id: string;
  /** Epoch ms of the session's newest event. */
  last_ts: number;
  /** Channel of the session's first event; '' when not tracked. */
  channel?: string;
}

export interface SessionAssignment {
  /** Session id, a random UInt64 in decimal. */
  readonly id: string;
  /** The same id's low and high 32 bits, as a RowBinary row writes it. */
  readonly idLow: number;
  readonly idHigh: number;
  /** Channel of the event that opened the session: what the whole session is attributed to. */
  readonly channel: string;
}

interface Session {
  /** Handed out as is: one frozen object per session, no allocation per event. */
  readonly assignment: SessionAssignment;
  start: number;
  last: number;
}

/** Expired sessions dropped per new session: O(1) work that keeps memory close to live traffic. */
const SWEEP_PER_INSERT = 4;

/**
 * Assigns session ids to a visitor's events. Session ids are random UInt64s (decimal), not
 * derived from the visitor: they carry nothing that links sessions to one another.
 *
 * One session per visitor is remembered, spanning [start, last]. An event joins it when it
 * lies within (start - gap, last + gap), so events arriving out of order within or across
 * batches join the session they belong to. An event from before that window belongs to an
 * earlier, forgotten session and gets a one-off id without disturbing the current one.
 *
 * Given the event's own channel, `assign` also returns the session's channel: that of the
 * event that opened it, so every later event of the session carries the landing's channel
 * (not "internal").
 *
 * Memory is bounded by maxVisitors. Visitors are kept in least-recently-used order: each new
 * session first drops a few of the longest idle visitors whose session has expired (idle
 * longer than the gap, measured against the newest event seen), and at the limit the
 * longest idle visitor is dropped even if not yet expired.
 */
export class SessionTracker {
  readonly #gapMs: number;
  readonly #sessions: LruCache<string, Session>;
  /** Newest event time seen: expiry is measured in event time, not wall-clock time. */
  #newestTs = Number.NEGATIVE_INFINITY;

  constructor({ gapMs = 30 * 60_000, maxVisitors = 200_000 }: SessionTrackerOptions = {}) {
    if (!(gapMs > 0)) throw new RangeError('gapMs must be positive');
    if (!Number.isInteger(maxVisitors) || maxVisitors < 1) throw new RangeError('maxVisitors must be a positive integer');
    this.#gapMs = gapMs;
    this.#sessions = new LruCache(maxVisitors);
  }

  /** Visitors currently remembered. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Session id (decimal UInt64) for the event of `visitorId` at `ts` (epoch ms). */
  assign(visitorId: string, ts: number): string;
  /** Session id and session channel for the event of `visitorId` at `ts` whose own channel is `channel`. */
  assign(visitorId: string, ts: number, channel: string): SessionAssignment;
  assign(visitorId: string, ts: number, channel?: string): string | SessionAssignment {
    const assignment = this.#assignmentOf(visitorId, ts, channel ?? '');
    return channel === undefined ? assignment.id : assignment;
  }

  /** Seeds sessions, e.g. those active in the last `gapMs` before a restart. Newest row wins. */
  warm(rows: Iterable<SessionSeed>): void {
    for (const { visitor_id, session_id, last_ts, channel = '' } of rows) {
      if (!Number.isFinite(last_ts)) continue;
      const known = this.#sessions.get(visitor_id);
      if (known !== undefined && known.last >= last_ts) continue;
      let assignment: SessionAssignment;
      try {
        assignment = newAssignment(session_id, channel);
      } catch {
        continue; // not a UInt64: nothing to continue
      }
      this.#remember(visitor_id, { assignment, start: last_ts, last: last_ts });
    }
  }

  #assignmentOf(visitorId: string, ts: number, channel: string): SessionAssignment {
    if (!Number.isFinite(ts)) return newAssignment(randomSessionId(), channel);
    const session = this.#sessions.get(visitorId);
    if (session === undefined || ts >= session.last + this.#gapMs) {
      const fresh: Session = { assignment: newAssignment(randomSessionId(), channel), start: ts, last: ts };
      this.#remember(visitorId, fresh);
      return fresh.assignment;
    }
    if (ts <= session.start - this.#gapMs) return newAssignment(randomSessionId(), channel);
    if (ts < session.start) session.start = ts;
    if (ts > session.last) {
      session.last = ts;
      this.#observe(ts);
    }
    return session.assignment;
  }

  #remember(visitorId: string, session: Session): void {
    this.#observe(session.last);
    this.#dropExpired();
    this.#sessions.set(visitorId, session);
  }

  #observe(ts: number): void {
    if (ts > this.#newestTs) this.#newestTs = ts;
  }

  #dropExpired(): void {
    const expiredBefore = this.#newestTs - this.#gapMs;
    for (let dropped = 0; dropped < SWEEP_PER_INSERT; dropped++) {
      const oldest = this.#sessions.peekOldest();
      if (oldest === undefined || oldest.last >= expiredBefore) return;
      this.#sessions.deleteOldest();
    }
  }
}

function newAssignment(id: bigint | string, channel: string): SessionAssignment {
  const n = BigInt.asUintN(64, BigInt(id));
  return Object.freeze({ id: n.toString(), idLow: Number(n & 0xffff_ffffn), idHigh: Number(n >> 32n), channel });
}

/** Session ids come from a pooled buffer: one getRandomValues call per 512 sessions. */
const ID_POOL = new BigUint64Array(512);
let nextId = ID_POOL.length;

function randomSessionId(): bigint {
  if (nextId === ID_POOL.length) {
    getRandomValues(ID_POOL);
    nextId = 0;
  }
  return ID_POOL[nextId++] ?? 0n;
}
