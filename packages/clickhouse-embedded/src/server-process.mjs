// The child process that hosts ClickHouse. Spawned by startClickHouse(); not an API.
//
// Plain JavaScript (type-checked through JSDoc) so that Node runs it as-is, both from
// the sources under vitest and from the published package.
//
// libchdb's chdb_query_cmdline() runs ClickHouse in its clickhouse-local mode. The query
// opens the HTTP interface and then blocks; the server lives exactly as long as that
// call. ffi-rs runs the call on a thread-pool thread, so this event loop stays free to
// watch for signals and for the parent's death.
import { DataType, arrayConstructor, load, open } from 'ffi-rs';
import { readdirSync, rmSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    lib: { type: 'string' },
    path: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'query-id': { type: 'string' },
    'remove-path-on-exit': { type: 'boolean', default: false },
    nice: { type: 'string', default: '0' },
  },
  strict: true,
});

/**
 * @param {string | undefined} value
 * @param {string} name
 * @returns {string}
 */
function required(value, name) {
  if (!value) throw new Error(`server-process.mjs: --${name} is required`);
  return value;
}
const lib = required(args.lib, 'lib');
const path = required(args.path, 'path');
const host = required(args.host, 'host');
const port = required(args.port, 'port');
const queryId = required(args['query-id'], 'query-id');

// Linux nice values belong to threads, and a new thread starts with its creator's. So every
// thread this process has now gets the value, before ClickHouse starts its own from them (it
// raises one small thread of its own, its memory tracker, where it may). Lowering one's own
// priority needs no privilege; a thread already lower is left as it is. Where the system still
// refuses, ClickHouse runs at normal priority rather than not at all.
const nice = Number(args.nice);
/** This process's threads; without /proc, the calling one (0). */
function threadIds() {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}
for (const tid of nice > 0 ? threadIds() : []) {
  try {
    if (getPriority(tid) < nice) setPriority(tid, nice);
  } catch (error) {
    // ESRCH: the thread ended meanwhile.
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') {
      process.stderr.write(`could not lower the CPU priority of thread ${tid} to nice ${nice}: ${String(error)}\n`);
    }
  }
}

open({ library: 'libc', path: 'libc.so.6' });
open({ library: 'chdb', path: lib });

/**
 * Ends the process now, via libc's _exit(). process.exit() would hang forever: Node joins
 * its thread pool on exit, and one pool thread never returns from ClickHouse. Skipping
 * ClickHouse's shutdown is safe for the data: an insert that returned is on disk.
 * A temporary data directory goes first, so that it is gone even when the parent was
 * SIGKILLed and cannot clean up.
 * @param {number} code
 */
function exitNow(code) {
  if (args['remove-path-on-exit']) {
    try {
      rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Best effort: the parent's stop() removes it too.
    }
  }
  load({ library: 'libc', funcName: '_exit', retType: DataType.Void, paramsType: [DataType.I32], paramsValue: [code] });
}

process.on('SIGTERM', () => exitNow(0));
// Ctrl-C reaches the whole process group. Leave it to the parent: it stops us, or it
// dies and we follow.
process.on('SIGINT', () => {});
// Node's own handling of an uncaught error ends in process.exit(), which would hang.
process.on('uncaughtException', (error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`);
  exitNow(1);
});

// Never outlive the parent, even when it is SIGKILLed. The parent holds the write end
// of our stdin: EOF means it is gone. The ppid check covers a pipe that stays open.
process.stdin.on('end', () => exitNow(0));
process.stdin.resume();
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) exitNow(0);
}, 500);

const SERVE_QUERY =
  'SYSTEM START LISTEN HTTP; ' +
  'SELECT sleepEachRow(1) FROM numbers(1000000000) FORMAT Null SETTINGS max_block_size = 1';

const argv = [
  'clickhouse', // argv[0], ignored
  `--path=${path}`,
  `--listen_host=${host}`,
  `--http_port=${port}`,
  // Lets the parent tell this server from another one that answers on the same port.
  `--query_id=${queryId}`,
  // Warnings and errors (with stack traces) go to a file; stderr only gets fatal errors.
  '--log-level=warning',
  `--logger.log=${join(path, 'clickhouse.log')}`,
  `--query=${SERVE_QUERY}`,
];

try {
  await load({
    library: 'chdb',
    funcName: 'chdb_query_cmdline',
    retType: DataType.External,
    paramsType: [DataType.I32, arrayConstructor({ type: DataType.StringArray, length: argv.length })],
    paramsValue: [argv.length, argv],
    runInNewThread: true,
  });
  // ClickHouse has already printed why (e.g. "Address already in use") to stderr.
  process.stderr.write('ClickHouse stopped: chdb_query_cmdline returned\n');
} catch (error) {
  process.stderr.write(`ClickHouse could not run: ${String(error)}\n`);
}
exitNow(1);
