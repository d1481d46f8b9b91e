export const DEFAULT_MAX_EVENT_AGE_MS = 7 * 24 * 3600_000;

/**
 * Moves a client timestamp onto the server clock. The client stamped `clientTs` and
 * `sentAt` with the same (possibly wrong) clock, so `receivedAt - sentAt` is its offset plus
 * the network latency, and the time an event waited in the SDK's queue is preserved.
 *
 * The result is clamped into [receivedAt - maxAgeMs, receivedAt]: an event cannot have
 * happened after it arrived, and an older one is kept at the oldest allowed time rather than
 * dropped, so counts stay complete while partitions and TTLs see a sane date. A non-finite
 * client value yields `receivedAt`.
 */
export function correctTimestamp(
  clientTs: number,
  sentAt: number,
  receivedAt: number,
  maxAgeMs: number = DEFAULT_MAX_EVENT_AGE_MS,
): number {
  const corrected = Math.round(clientTs + (receivedAt - sentAt));
  if (!Number.isFinite(corrected)) return receivedAt;
  return Math.min(receivedAt, Math.max(receivedAt - maxAgeMs, corrected));
}
