import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoIngestWorkers, ConfigError, ENV_VARS, loadConfig } from './config.js';

const SITES = JSON.stringify([{ id: 'demo', origins: ['http://127.0.0.1:8080/', 'https://Shop.Example'] }]);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults once a site is configured', () => {
    const config = loadConfig({ SPUR_SITES: SITES });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, retentionDays: 395, trustProxy: false, migrate: true });
    expect(config.clickhouse).toEqual({ url: 'http://127.0.0.1:8123', username: 'default', password: '', database: 'spur' });
    expect(config.sites[0]!.origins).toEqual(['http://127.0.0.1:8080', 'https://shop.example']);
  });

  it('names the variable, the problem and the value for every wrong setting at once', () => {
    const found = problems({ SPUR_SITES: SITES, SPUR_PORT: '99999', CLICKHOUSE_URL: 'ftp://x', SPUR_MIGRATE: 'maybe' });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^SPUR_PORT: .*65535.*\(got "99999"\)$/);
    expect(found.some((p) => p.startsWith('CLICKHOUSE_URL:'))).toBe(true);
    expect(found.some((p) => p.startsWith('SPUR_MIGRATE:'))).toBe(true);
  });

  it('sizes the ingest worker pool to the cores, or as configured', () => {
    expect([1, 2, 4, 16].map((cores) => autoIngestWorkers(cores))).toEqual([0, 1, 3, 4]);
    expect(loadConfig({ SPUR_SITES: SITES }).ingestWorkers).toBe(autoIngestWorkers());
    expect(loadConfig({ SPUR_SITES: SITES, SPUR_INGEST_WORKERS: '0' }).ingestWorkers).toBe(0);
    expect(loadConfig({ SPUR_SITES: SITES, SPUR_INGEST_WORKERS: '3' }).ingestWorkers).toBe(3);
    expect(problems({ SPUR_SITES: SITES, SPUR_INGEST_WORKERS: 'many' })[0]).toMatch(/^SPUR_INGEST_WORKERS: .*\(got "many"\)$/);
  });

  it('refuses missing, malformed and duplicate sites with clear messages', () => {
    expect(problems({})[0]).toMatch(/^SPUR_SITES: no site configured/);
    expect(problems({ SPUR_SITES: '{oops' })[0]).toMatch(/^SPUR_SITES: cannot read JSON/);
    expect(problems({ SPUR_SITES: '[{"id":"Demo Shop"}]' })[0]).toMatch(/^SPUR_SITES: 0\.id: /);
    expect(problems({ SPUR_SITES: '[{"id":"a","origins":["not an origin"]}]' })[0]).toMatch(/not an origin/);
    expect(problems({ SPUR_SITES: '[{"id":"a","serverKey":"short"}]' })[0]).toMatch(/serverKey: at least 24/);
    expect(problems({ SPUR_SITES: '[{"id":"a"},{"id":"a"}]' })[0]).toMatch(/unique/);
  });

  it('reads sites from a config file as well', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spur-config-'));
    try {
      writeFileSync(join(dir, 'sites.json'), JSON.stringify({ sites: [{ id: 'file-site', origins: ['https://a.example'] }] }));
      const config = loadConfig({ SPUR_CONFIG_FILE: 'sites.json', SPUR_SITES: SITES }, dir);
      expect(config.sites.map((s) => s.id)).toEqual(['file-site', 'demo']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('understands every form of SPUR_TRUST_PROXY', () => {
    const trust = (v: string) => loadConfig({ SPUR_SITES: SITES, SPUR_TRUST_PROXY: v }).trustProxy;
    expect([trust('false'), trust('true'), trust('2'), trust('10.0.0.0/8, 127.0.0.1')]).toEqual([false, true, 2, ['10.0.0.0/8', '127.0.0.1']]);
  });

  it('documents every variable it reads in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const missing = ENV_VARS.filter((name) => !doc.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});
