import { getHeapStatistics } from 'node:v8';

/**
 * The Node flags the collector is meant to run with (Dockerfile CMD, `pnpm --filter
 * @spur/collector start`, the bench). Without a heap cap V8 sizes the old generation from the
 * machine's memory (about 4 GiB on a 24 GiB host) and, under overload, lets promoted request
 * garbage pile up long before its first full GC: measured 310–340 MB RSS at 10× overload, against
 * about 225 MB with this cap. The cap is far above the live set (about 50 MB at full load; the
 * bounded caches allow roughly 150 MB), so it changes when V8 collects, not what fits.
 *
 * The initial old-space size keeps V8's old-generation limit at 64 MB or more. Otherwise the limit
 * follows the small live heap (about 24 MB → 44 MB) and V8 starts incremental marking as soon as
 * the room left is below the young generation's capacity, which is then always: a full
 * mark-compact every 200 ms at full load (5 a second, ~10 ms of pause plus ~10 ms of marking
 * steps each), against about one a second with this flag. Measured in paired runs on 2 cores:
 * collector CPU per event 0.76–1.11× (median 0.9×) at full speed, p99 at 1,100 req/s 30 ms
 * against 47 ms; RSS at 10× overload 225 MB. With 128 MB, RSS rose to 290 MB.
 */
export const NODE_FLAGS = ['--max-old-space-size=384', '--initial-old-space-size=64'] as const;

const CAP_MB = Number(NODE_FLAGS[0].split('=')[1]);

/** A start-up warning when the process runs without the heap cap (or with a much larger one). */
export function heapLimitWarning(heapLimitBytes = getHeapStatistics().heap_size_limit): string | undefined {
  const limitMb = Math.round(heapLimitBytes / 1024 / 1024);
  // heap_size_limit includes the young generation, so allow some slack above the old-space cap.
  if (limitMb <= CAP_MB * 2) return undefined;
  return `the V8 heap limit is ${limitMb} MB: memory under overload is not bounded as documented; run the collector as \`node ${NODE_FLAGS.join(' ')} dist/main.js\` (the Docker image does)`;
}
