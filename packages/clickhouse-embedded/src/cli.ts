#!/usr/bin/env node
// spur-clickhouse: runs the embedded ClickHouse in the foreground until Ctrl-C or SIGTERM.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startClickHouse } from './index.js';

const USAGE = `Usage: spur-clickhouse [--port 8123] [--data ./.data/clickhouse] [--host 127.0.0.1] [--nice 0]

Runs a real ClickHouse (the engine from chdb) with its HTTP interface until Ctrl-C or
SIGTERM. For development and tests; production uses the official ClickHouse server.

  --port <n>      HTTP port (default 8123)
  --data <dir>    data directory, kept across restarts (default ./.data/clickhouse)
  --host <addr>   interface to listen on (default 127.0.0.1)
  --nice <n>      CPU priority as a Linux nice value, 0 to 19 (default 0); on a machine
                  shared with the collector, 10 lets the collector go first
  -h, --help      show this help`;

interface CliOptions {
  port: number;
  dataDir: string;
  host: string;
  nice: number;
}

function parseCli(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8123' },
      data: { type: 'string', default: './.data/clickhouse' },
      host: { type: 'string', default: '127.0.0.1' },
      nice: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port < 1 || port > 65_535) {
    throw new Error(`--port must be a number from 1 to 65535, not "${values.port}"`);
  }
  const nice = Number(values.nice);
  if (!/^\d+$/.test(values.nice) || nice > 19) throw new Error(`--nice must be a number from 0 to 19, not "${values.nice}"`);
  return { port, dataDir: resolve(values.data), host: values.host, nice };
}

async function queryVersion(url: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', body: 'SELECT version()' });
  const body = (await response.text()).trim();
  if (!response.ok) throw new Error(`SELECT version() failed: ${body}`);
  return body;
}

async function serve({ port, dataDir, host, nice }: CliOptions): Promise<void> {
  const server = await startClickHouse({ port, host, dataDir, nice, log: (line) => process.stderr.write(`${line}\n`) });

  let stopping = false;
  const stopAndExit = async (): Promise<void> => {
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  // `once`: a second Ctrl-C kills this process at once; the server follows it (no orphans).
  process.once('SIGINT', () => void stopAndExit());
  process.once('SIGTERM', () => void stopAndExit());
  void server.exited.then(({ code, signal }) => {
    if (stopping) return;
    fail(`ClickHouse exited unexpectedly (code ${code}, signal ${signal})`);
  });

  let version: string;
  try {
    version = await queryVersion(server.url);
  } catch (error) {
    stopping = true;
    await server.stop();
    throw error;
  }
  console.log(`ClickHouse ${version} listening on ${server.url} (data: ${server.dataDir})`);
}

function fail(message: string, exitCode = 1): never {
  process.stderr.write(`spur-clickhouse: ${message}\n`);
  process.exit(exitCode);
}

let options: CliOptions | 'help';
try {
  options = parseCli(process.argv.slice(2));
} catch (error) {
  fail(`${(error as Error).message} (see --help)`, 2);
}
if (options === 'help') {
  console.log(USAGE);
} else {
  await serve(options).catch((error: unknown) => fail((error as Error).message));
}
