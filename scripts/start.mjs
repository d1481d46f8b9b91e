#!/usr/bin/env node
// `pnpm start`: the whole system on one machine. Without CLICKHOUSE_URL it starts the embedded
// ClickHouse (data in ./.data/clickhouse, HTTP on 127.0.0.1:8123); then the collector on
// 127.0.0.1:8080 with the demo site and the demo shop at /demo/. Ctrl-C stops both.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { NICE_NEXT_TO_COLLECTOR, startClickHouse } = await import(join(root, 'packages/clickhouse-embedded/dist/index.js'));
const { startCollector, loadConfig, ConfigError } = await import(join(root, 'services/collector/dist/index.js'));

const DEMO_SITES = JSON.stringify([
  { id: 'demo', origins: ['http://127.0.0.1:8080', 'http://localhost:8080'], allowBrowserUserId: true },
]);

const env = { ...process.env };
env.SPUR_SITES ??= env.SPUR_CONFIG_FILE ? undefined : DEMO_SITES;
env.SPUR_DEMO_DIR ??= join(root, 'services/demo-shop/public');
env.SPUR_SPOOL_DIR ??= join(root, '.data/spool');
if (env.SPUR_SITES === undefined) delete env.SPUR_SITES;

let clickhouse;
let collector;
let stopping = false;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  await collector?.stop().catch((err) => console.error(`collector: ${err.message}`));
  await clickhouse?.stop().catch((err) => console.error(`clickhouse: ${err.message}`));
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  if (!env.CLICKHOUSE_URL) {
    // On the machine it shares with the collector, ClickHouse yields the CPU to request handling.
    clickhouse = await startClickHouse({ port: 8123, dataDir: join(root, '.data/clickhouse'), nice: NICE_NEXT_TO_COLLECTOR });
    env.CLICKHOUSE_URL = clickhouse.url;
    console.log(`ClickHouse (embedded) listening on ${clickhouse.url}  (data: ${clickhouse.dataDir}, SQL console: ${clickhouse.url}/play)`);
    clickhouse.exited.then(({ code, signal }) => {
      if (!stopping) {
        console.error(`embedded ClickHouse exited unexpectedly (code ${code}, signal ${signal})`);
        void stop(1);
      }
    });
  } else {
    console.log(`ClickHouse: using ${env.CLICKHOUSE_URL}`);
  }
  const config = loadConfig(env, root);
  collector = await startCollector(config);
  console.log(`Collector listening on ${collector.url}  (health: ${collector.url}/readyz, metrics: ${collector.url}/metrics)`);
  if (config.demoDir) console.log(`Demo shop:          ${collector.url}/demo/`);
  console.log('Press Ctrl-C to stop.');
} catch (error) {
  console.error(error instanceof ConfigError ? `configuration: ${error.message}` : `could not start: ${error.message}`);
  await stop(1);
}
