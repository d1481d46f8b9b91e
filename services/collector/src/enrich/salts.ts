import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { dayNumber } from './visitor-id.js';

export interface SaltStoreLogger {
  warn(obj: object, msg: string): void;
}

export interface SaltStoreOptions {
  client: ClickHouseClient;
  /** Database holding `visitor_salts`. */
  database: string;
  /** Clock, epoch ms; injectable for tests. */
  now?: () => number;
  log?: SaltStoreLogger;
}

const DAY_MS = 86_400_000;
const SALT_BYTES = 32;
const REFRESH_INTERVAL_MS = 60_000;
/** Fire the midnight refresh safely inside the new day. */
const AFTER_MIDNIGHT_MS = 1_000;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const consoleLogger: SaltStoreLogger = { warn: (obj, msg) => console.warn(msg, obj) };

/**
 * Daily visitor-id salts shared by every collector replica through ClickHouse
 * (`visitor_salts`, salt stored as 64 lowercase hex characters).
 *
 * - A salt is 32 random bytes per UTC day. Each refresh (every 60 s and just after UTC
 *   midnight) makes sure yesterday, today and tomorrow have one: it reads the earliest
 *   salt of the day, inserts a random one if there is none and reads again, so replicas
 *   racing on an empty day all settle on the earliest-created row by the next refresh.
 *   Tomorrow's salt is agreed a day early, so the switch at midnight needs no round trip.
 * - Salts of days before yesterday are deleted (lightweight DELETE, as the TTL is lazy)
 *   and forgotten, so ids older than that cannot be recomputed from an IP and UA.
 * - `saltFor(ts)` returns the salt of the UTC day of `ts` if known (yesterday, today or
 *   tomorrow), otherwise today's. Given the corrected event time, an event queued before
 *   midnight and received after it keeps its visitor's id; given the receive time, ids are
 *   simply stable within a receiving day.
 * - If ClickHouse is unreachable when a day starts without a known salt, a locally
 *   generated salt is served (with a warning) and offered to ClickHouse once reachable;
 *   until then, and if another replica's salt wins, ids differ between replicas.
 */
export class SaltStore {
  readonly #client: ClickHouseClient;
  readonly #table: string;
  readonly #now: () => number;
  readonly #log: SaltStoreLogger;
  /** By UTC day number. */
  readonly #salts = new Map<number, Buffer>();
  /** Days whose salt in #salts was generated locally and not yet agreed in ClickHouse. */
  readonly #provisional = new Set<number>();
  #refreshing: Promise<void> | undefined;
  #interval: NodeJS.Timeout | undefined;
  #midnight: NodeJS.Timeout | undefined;

  constructor({ client, database, now = Date.now, log = consoleLogger }: SaltStoreOptions) {
    if (!IDENTIFIER.test(database)) throw new RangeError(`invalid database name: ${JSON.stringify(database)}`);
    this.#client = client;
    this.#table = `${database}.visitor_salts`;
    this.#now = now;
    this.#log = log;
  }

  /** Loads (or creates) the salts, then keeps them fresh. Rejects if ClickHouse cannot be used. */
  async start(): Promise<void> {
    await this.refresh();
    this.#interval ??= setInterval(() => this.#refreshInBackground(), REFRESH_INTERVAL_MS).unref();
    if (this.#midnight === undefined) this.#scheduleMidnight();
  }

  /** Salt for an event at `epochMs` (corrected event time). Synchronous; never throws. */
  saltFor(epochMs: number): Buffer {
    return this.#salts.get(dayNumber(epochMs)) ?? this.#todaysSalt();
  }

  /** One refresh now; concurrent calls share it. Rejects on ClickHouse errors. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#sync().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Stops the timers; resolves once no refresh is in flight, so the client can be closed. */
  async stop(): Promise<void> {
    clearInterval(this.#interval);
    clearTimeout(this.#midnight);
    this.#interval = undefined;
    this.#midnight = undefined;
    await this.#refreshing?.catch(() => undefined);
  }

  async #sync(): Promise<void> {
    const today = dayNumber(this.#now());
    for (const day of [today - 1, today, today + 1]) {
      const salt = await this.#agree(day);
      this.#salts.set(day, salt);
      this.#provisional.delete(day);
    }
    for (const day of this.#salts.keys()) {
      if (day >= today - 1 && day <= today + 1) continue;
      this.#salts.delete(day);
      this.#provisional.delete(day);
    }
    await this.#deleteBefore(today - 1);
  }

  async #agree(day: number): Promise<Buffer> {
    const existing = await this.#read(day);
    if (existing !== undefined) return existing;
    // Offer a salt already served locally, so ids issued during an outage can stay valid.
    const served = this.#provisional.has(day) ? this.#salts.get(day) : undefined;
    await this.#client.insert({
      table: this.#table,
      values: [{ day: isoDay(day), salt: (served ?? randomBytes(SALT_BYTES)).toString('hex') }],
      format: 'JSONEachRow',
    });
    const agreed = await this.#read(day);
    if (agreed === undefined) throw new Error(`visitor salt for ${isoDay(day)} not readable after insert`);
    return agreed;
  }

  async #read(day: number): Promise<Buffer | undefined> {
    const result = await this.#client.query({
      query: `SELECT salt FROM ${this.#table} WHERE day = {day:Date} ORDER BY created_at, salt LIMIT 1`,
      query_params: { day: isoDay(day) },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ salt: string }>();
    if (row === undefined) return undefined;
    const salt = Buffer.from(row.salt, 'hex');
    if (salt.length !== SALT_BYTES) throw new Error(`malformed visitor salt for ${isoDay(day)} in ${this.#table}`);
    return salt;
  }

  async #deleteBefore(day: number): Promise<void> {
    const query_params = { day: isoDay(day) };
    // A DELETE is a mutation even when nothing matches; only issue one when needed.
    const result = await this.#client.query({
      query: `SELECT 1 FROM ${this.#table} WHERE day < {day:Date} LIMIT 1`,
      query_params,
      format: 'JSONEachRow',
    });
    if ((await result.json()).length === 0) return;
    await this.#client.command({ query: `DELETE FROM ${this.#table} WHERE day < {day:Date}`, query_params });
  }

  #todaysSalt(): Buffer {
    const today = dayNumber(this.#now());
    const known = this.#salts.get(today);
    if (known !== undefined) return known;
    const local = randomBytes(SALT_BYTES);
    this.#salts.set(today, local);
    this.#provisional.add(today);
    this.#log.warn(
      { day: isoDay(today) },
      'visitor salt: ClickHouse has no agreed salt for today yet; serving a local one, visitor ids may differ between replicas until it is reachable',
    );
    this.#refreshInBackground();
    return local;
  }

  #refreshInBackground(): void {
    this.refresh().catch((err: unknown) => {
      this.#log.warn({ err }, 'visitor salt: refresh failed; keeping the salts already known');
    });
  }

  #scheduleMidnight(): void {
    const now = this.#now();
    const delay = (dayNumber(now) + 1) * DAY_MS - now + AFTER_MIDNIGHT_MS;
    this.#midnight = setTimeout(() => {
      this.#refreshInBackground();
      this.#scheduleMidnight();
    }, delay).unref();
  }
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
