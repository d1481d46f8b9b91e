import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Options } from 'tsup';
import * as limits from '../protocol/src/limits.js';

/** Hard budget for dist/sdk.js after gzip -9; `pnpm build` fails above it (and so does src/size.test.ts). */
export const GZIP_BUDGET = 3000;

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Inlines what the SDK imports from '@spur/protocol/limits' as literals (`LIMITS.maxUrlLength`
 * → 2048, `BATCH_PATH` → "/v1/batch", ...) and drops the import, so the bundle carries only the
 * constants it uses, not the module's other exports. The values come from the protocol's own
 * limits.ts, so the protocol stays the single source of truth.
 */
const inlineLimits: Plugin = {
  name: 'spur-inline-limits',
  setup(build) {
    build.onLoad({ filter: /[\\/]sdk[\\/]src[\\/][^\\/]+\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      const values = limits as Record<string, unknown>;
      const line = /^import \{([^}]*)\} from '@spur\/protocol\/limits';$/m;
      const names = (contents.match(line)?.[1] ?? '').split(',').map((n) => n.trim()).filter(Boolean);
      contents = contents.replace(line, '');
      for (const name of names) {
        if (!(name in values)) throw new Error(`${args.path}: @spur/protocol/limits has no ${name}`);
        if (name == 'LIMITS') continue;
        contents = contents.replace(new RegExp(`\\b${name}\\b`, 'g'), JSON.stringify(values[name]));
      }
      contents = contents.replace(/\bLIMITS\.(\w+)/g, (_, name: string) => {
        if (!(name in limits.LIMITS)) throw new Error(`${args.path}: LIMITS.${name} does not exist`);
        return String(limits.LIMITS[name as keyof typeof limits.LIMITS]);
      });
      return { contents, loader: 'ts' };
    });
  },
};

const shared: Options = {
  platform: 'browser',
  target: 'es2017',
  sourcemap: false,
  clean: false,
  silent: true,
  esbuildPlugins: [inlineLimits],
  // Bundle @spur/protocol/limits from its TypeScript source; nothing else of the protocol.
  esbuildOptions(options) {
    options.conditions = ['source'];
    options.legalComments = 'none';
  },
};

/** The script-tag bundle: minified ES2017 IIFE at `${outDir}/sdk.js`. Tests build it into a temp dir. */
export function scriptBundle(outDir = here('dist'), report = true): Options {
  return {
    ...shared,
    entry: { sdk: here('src/script.ts') },
    outDir,
    format: ['iife'],
    minify: true,
    // No "use strict" prologue (tsconfig's strict would add one): the code doesn't depend on it.
    esbuildOptions(options) {
      shared.esbuildOptions!(options, { format: 'iife' });
      options.tsconfigRaw = { compilerOptions: { alwaysStrict: false, verbatimModuleSyntax: true } };
      delete options.tsconfig;
    },
    outExtension: () => ({ js: '.js' }),
    async onSuccess() {
      const code = await readFile(`${outDir}/sdk.js`);
      const size = gzipSync(code, { level: 9 }).length;
      if (size > GZIP_BUDGET) throw new Error(`sdk.js is ${size} B after gzip -9, over the ${GZIP_BUDGET} B budget`);
      if (report) console.log(`sdk.js: ${code.length} B, ${size} B gzip -9 (budget ${GZIP_BUDGET} B)`);
    },
  };
}

/** The ESM build for bundlers: `${outDir}/index.js` (+ index.d.ts unless `dts` is false). */
export function esmBundle(outDir = here('dist'), dts = true): Options {
  return { ...shared, entry: { index: here('src/index.ts') }, outDir, format: ['esm'], dts };
}

export default defineConfig([scriptBundle(), esmBundle()]);
