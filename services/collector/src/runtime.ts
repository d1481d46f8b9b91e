import { getHeapStatistics } from 'node:v8';

/**
 * The Node flags the collector is meant to run with (Dockerfile CMD, `pnpm --filter
 * @spur/collector start`, the bench). Without a heap cap V8 sizes the old generation from the
 * machine's memory (about 4 GiB on a 24 GiB host) and, under overload, lets promoted request
 * garbage pile up long before its first full GC: measured 310–340 MB RSS at 10× overload, against
 * about 225 MB with this cap. The cap is far above the live set (about 50 MB at full load; the
 * bounded caches allow roughly 150 MB), so it changes when V8 collects, not what fits.
 */
export const NODE_FLAGS = ['--max-old-space-size=384'] as const;

const CAP_MB = Number(NODE_FLAGS[0].split('=')[1]);

/** A start-up warning when the process runs without the heap cap (or with a much larger one). */
export function heapLimitWarning(heapLimitBytes = getHeapStatistics().heap_size_limit): string | undefined {
  const limitMb = Math.round(heapLimitBytes / 1024 / 1024);
  // heap_size_limit includes the young generation, so allow some slack above the old-space cap.
  if (limitMb <= CAP_MB * 2) return undefined;
  return `the V8 heap limit is ${limitMb} MB: memory under overload is not bounded as documented; run the collector as \`node ${NODE_FLAGS.join(' ')} dist/main.js\` (the Docker image does)`;
}
