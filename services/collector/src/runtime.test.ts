import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS, heapLimitWarning } from './runtime.js';

describe('the collector runtime flags', () => {
  it('are what the Docker image, the package start script and the quick start run with', () => {
    const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', ...NODE_FLAGS, 'dist/main.js']);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${NODE_FLAGS.join(' ')} dist/main.js`);
    // The quick start runs the collector inside scripts/start.mjs.
    const root = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(root.scripts.start).toContain(`node ${NODE_FLAGS.join(' ')} scripts/start.mjs`);
  });

  it('warn when the process runs with a heap limit sized from the machine instead', () => {
    expect(heapLimitWarning(4144 * 1024 * 1024)).toMatch(/heap limit is 4144 MB.*--max-old-space-size=384/);
    expect(heapLimitWarning(432 * 1024 * 1024)).toBeUndefined();
  });
});
