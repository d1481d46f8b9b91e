// The script-tag bundle's budget and static guarantees. Builds with the package's tsup config.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { GZIP_BUDGET } from '../tsup.config.js';
import { buildBundles, type Bundles } from '../test/harness.js';
import { VERSION } from './version.js';

let bundles: Bundles;
beforeAll(async () => {
  bundles = await buildBundles({ esm: true });
});

describe('dist/sdk.js', () => {
  it(`is at most ${GZIP_BUDGET} bytes after gzip -9`, () => {
    const size = gzipSync(bundles.sdk, { level: 9 }).length;
    console.log(`sdk.js: ${bundles.sdk.length} B minified, ${size} B gzip -9`);
    expect(size).toBeLessThanOrEqual(GZIP_BUDGET);
  });

  it('is ES2017: nothing in it needs down-levelling', () => {
    const emit = (target: ts.ScriptTarget) =>
      ts.transpileModule(bundles.sdk, { compilerOptions: { target, module: ts.ModuleKind.None, removeComments: true } }).outputText;
    expect(emit(ts.ScriptTarget.ES2017)).toBe(emit(ts.ScriptTarget.ESNext));
    expect(bundles.sdk).not.toMatch(/\?\?|\?\.(?!\d)/);
    expect(bundles.sdk).not.toContain('(?<'); // ES2018 regular expressions: named groups, lookbehind
  });

  it('contains no zod, eval, Function constructor, cookies, other storage or fingerprinting APIs', () => {
    for (const code of [bundles.sdk, bundles.esm!]) {
      expect(code).not.toMatch(/zod|ZodError/);
      expect(code).not.toMatch(/\beval\s*\(|new Function|\bFunction\s*\(/);
      expect(code).not.toMatch(/document\.cookie|sessionStorage|indexedDB|caches\.|openDatabase/);
      expect(code).not.toMatch(/canvas|getContext|toDataURL|AudioContext|WebGL|plugins|mimeTypes|hardwareConcurrency|deviceMemory|userAgent|getBattery|enumerateDevices|screen\./);
    }
  });

  it('writes to localStorage only the opt-out flag', () => {
    const { sdk } = bundles;
    expect(sdk.match(/localStorage/g)).toHaveLength(2); // read the flag, set/remove the flag
    expect(sdk.match(/setItem/g)).toHaveLength(1);
    expect(sdk).toMatch(/localStorage\[\w+\?"setItem":"removeItem"\]\((\w+),"1"\)/);
    const key = sdk.match(/localStorage\[\w+\?"setItem":"removeItem"\]\((\w+),"1"\)/)![1];
    expect(sdk).toContain(`${key}="spur:optout"`);
  });

  it('names its version as in package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    expect(bundles.sdk).toContain(`"spur-js/${pkg.version}"`);
    expect(bundles.esm).toContain(`"spur-js/${pkg.version}"`);
  });

  it('uses no analytics-looking names: only sdk.js and /v1/batch', () => {
    expect(bundles.sdk).toContain('"/v1/batch"');
    for (const word of ['analytics', 'track', 'collect', 'stats']) expect(bundles.sdk).not.toMatch(new RegExp(`["'/]${word}`));
  });
});
