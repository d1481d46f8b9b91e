import { defineConfig } from 'vitest/config';

// One run over every package. Each package keeps its tests next to its code; the
// "source" condition lets tests import sibling packages from TypeScript without a build.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'services/*/test/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/lib/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests each start their own ClickHouse; two cores do not want more in parallel.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
