#!/usr/bin/env node
// spur's benchmark: `pnpm bench` (= `pnpm build && node bench/run.mjs`) writes BENCHMARKS.md.
//
//   node bench/run.mjs [--only collector,sdk,query] [--quick] [--no-profile] [--write]
//
// Sections: collector (throughput, latency, ceilings, overload, spool path, CPU profile),
// sdk (runs bench/sdk/run.mjs and includes its report), query (10 M events in ClickHouse,
// overview and funnel query times). A full run rewrites BENCHMARKS.md at the repo root; a run
// with --only or --quick writes bench/.work/BENCHMARKS.partial.md instead, unless --write.
// Raw results: bench/.work/results.json; logs of the processes: bench/.work/logs/.
// Everything runs on this machine over loopback; every load is bounded in time and count.
import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { REPO, WORK, ensureDir, fmt, log, median, table } from './lib/common.mjs';
import { buildBodies, stamp } from './lib/payloads.mjs';

const T_START = performance.now();
const SECTIONS = ['collector', 'sdk', 'query'];

function parseArgs(argv) {
  const opts = { only: SECTIONS, quick: false, profile: true, write: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--no-profile') opts.profile = false;
    else if (a === '--write') opts.write = true;
    else if (a.startsWith('--only')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      opts.only = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = opts.only.filter((s) => !SECTIONS.includes(s));
      if (unknown.length || opts.only.length === 0) fail(`--only takes a comma-separated list of ${SECTIONS.join(', ')}`);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node bench/run.mjs [--only collector,sdk,query] [--quick] [--no-profile] [--write]\n' +
          '  --only      run only these sections\n' +
          '  --quick     shorter runs and 2 M instead of 10 M events (numbers not comparable)\n' +
          '  --no-profile  skip the CPU-profiled collector run\n' +
          '  --write     write BENCHMARKS.md even for a partial or quick run\n',
      );
      process.exit(0);
    } else fail(`unknown argument ${a} (try --help)`);
  }
  return opts;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

// -------------------------------------------------------------------------------------------------
// Machine

function fsyncLatency(dir) {
  const file = join(dir, `fsync-probe-${process.pid}`);
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(8192, 120);
  const times = [];
  try {
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      times.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return { p50: median(times), p99: times[Math.floor(times.length * 0.99) - 1] ?? times[times.length - 1], max: times[times.length - 1] };
}

/**
 * How fast this machine runs the collector's kind of work right now: JSON.parse of the bench's
 * 20-event bodies on one thread, µs per body, median of ten 100 ms slices. Shared machines change
 * speed by tens of percent within minutes; taken at the start of a run and after each section,
 * it says how far two runs (or two sections of one run) can be compared.
 */
let probeTexts;
function speedProbe() {
  probeTexts ??= buildBodies({ site: 'probe', batch: 20, count: 50, seed: 7 }).templates.map((t, i) => stamp(t, i));
  const texts = probeTexts;
  const slices = [];
  let i = 0;
  for (let s = 0; s < 10; s++) {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < 100) {
      for (let k = 0; k < 20; k++) JSON.parse(texts[i++ % texts.length]);
      n += 20;
    }
    slices.push(((performance.now() - start) * 1000) / n);
  }
  return median(slices);
}

/** The code under test: HEAD and whether services/ or packages/ differ from it. */
function codeVersion() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const subject = git('log', '-1', '--format=%s').slice(0, 80);
    const dirty = git('status', '--porcelain', '--', 'services', 'packages').split('\n').filter(Boolean).length;
    return `commit ${head} (“${subject}”)${dirty ? ` + ${dirty} uncommitted change${dirty === 1 ? '' : 's'} in services/ and packages/` : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

function machineInfo() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  let osName = `${os.type()} ${os.release()}`;
  try {
    const rel = readFileSync('/etc/os-release', 'utf8');
    const pretty = /PRETTY_NAME="?([^"\n]+)"?/.exec(rel)?.[1];
    if (pretty) osName = `${pretty}, kernel ${os.release()}`;
  } catch {
    // keep the default
  }
  return {
    cpu: model,
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: osName,
    node: process.version,
    date: new Date().toISOString(),
    loadavgAtStart: os.loadavg(),
    code: codeVersion(),
    fsync: fsyncLatency(os.tmpdir()),
    /** Speed probe readings: at the start and after each section. */
    probes: [{ at: 'start', us: speedProbe() }],
  };
}

/** When run by `pnpm bench`, the start of the `pnpm build && node bench/run.mjs` shell: the whole bench's wall time includes the build. */
function benchScriptStart() {
  try {
    const hz = 100;
    const btime = Number(/btime (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))[1]);
    let pid = process.ppid;
    for (let depth = 0; depth < 6 && pid > 1; depth++) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (cmdline.includes('pnpm build') && cmdline.includes('bench/run.mjs')) {
        return (btime + Number(fields[19]) / hz) * 1000; // field 22: starttime
      }
      pid = Number(fields[1]);
    }
  } catch {
    // not under pnpm, or no /proc
  }
  return undefined;
}

// -------------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  ensureDir(WORK);
  const scriptStart = benchScriptStart();
  const machine = machineInfo();
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(0)} GiB, ${machine.os}, Node ${machine.node}; fsync p50 ${machine.fsync.p50.toFixed(1)} ms; speed probe ${machine.probes[0].us.toFixed(1)} µs`);
  const results = { machine, opts, sections: {}, timings: {} };
  const md = {};
  const errors = [];

  const run = async (name, fn) => {
    if (!opts.only.includes(name)) return;
    const t = performance.now();
    try {
      await fn();
    } catch (error) {
      errors.push({ section: name, error });
      log(`section ${name} failed: ${error.stack ?? error}`);
      md[name] = `## ${{ collector: '1. Collector throughput and latency', sdk: '2. SDK against peers', query: '3. Query speed for data teams' }[name]}\n\n> ❌ **This section failed:**\n>\n> \`\`\`\n> ${String(error.stack ?? error).split('\n').slice(0, 12).join('\n> ')}\n> \`\`\`\n`;
    }
    results.timings[name] = (performance.now() - t) / 1000;
    machine.probes.push({ at: `after ${name}`, us: speedProbe() });
  };

  await run('collector', async () => {
    const { runCollectorSection, collectorMarkdown } = await import('./sections/collector.mjs');
    const r = await runCollectorSection({ quick: opts.quick, profile: opts.profile });
    r.fsyncP50 = machine.fsync.p50;
    results.sections.collector = r;
    results.clickhouseVersion ??= r.clickhouseVersion;
    md.collector = collectorMarkdown(r);
  });
  await run('query', async () => {
    const { runQuerySection, queryMarkdown } = await import('./sections/query.mjs');
    const r = await runQuerySection({ quick: opts.quick });
    results.sections.query = r;
    results.clickhouseVersion ??= r.clickhouseVersion;
    md.query = queryMarkdown(r);
  });
  await run('sdk', async () => {
    const { runSdkSection, sdkMarkdown } = await import('./sections/sdk.mjs');
    const r = await runSdkSection({ args: opts.quick ? ['--runs', '2'] : [] });
    results.sections.sdk = { ...r, report: undefined };
    md.sdk = sdkMarkdown(r);
  });

  const benchSeconds = (performance.now() - T_START) / 1000;
  const wholeSeconds = scriptStart ? (Date.now() - scriptStart) / 1000 : undefined;
  results.timings.bench = benchSeconds;
  results.timings.whole = wholeSeconds;

  const partial = opts.only.length !== SECTIONS.length || opts.quick;
  const argsText = process.argv.slice(2).join(' ');
  const doc = render({ machine, results, md, opts, partial, benchSeconds, wholeSeconds, argsText });
  const target = partial && !opts.write ? join(WORK, 'BENCHMARKS.partial.md') : join(REPO, 'BENCHMARKS.md');
  writeFileSync(target, doc);
  writeFileSync(join(WORK, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${target.slice(REPO.length + 1)} and bench/.work/results.json`);
  const line = `whole bench: ${fmt.s(benchSeconds, 0)} for node bench/run.mjs${wholeSeconds ? `, ${fmt.s(wholeSeconds, 0)} including pnpm build` : ''} (${Object.entries(results.timings).filter(([k]) => SECTIONS.includes(k)).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')})`;
  process.stdout.write(`${line}\n`);
  if (errors.length) process.exitCode = 1;
}

function render({ machine, results, md, opts, partial, benchSeconds, wholeSeconds, argsText }) {
  const out = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(`_Generated by \`bench/run.mjs\` on ${machine.date.slice(0, 16).replace('T', ' ')} UTC — do not edit by hand: \`pnpm bench\` rewrites this file. What each section measures and how to run parts of it: [bench/README.md](bench/README.md)._`);
  out.push('');
  if (partial) {
    out.push(`> ⚠️ Partial run (\`node bench/run.mjs ${argsText}\`): ${opts.quick ? 'shorter runs, numbers not comparable with a full run; ' : ''}sections: ${opts.only.join(', ')}.`);
    out.push('');
  }
  out.push('## Machine');
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['CPU', machine.cpu],
        ['cores', String(machine.cores)],
        ['memory', `${machine.memoryGiB.toFixed(1)} GiB`],
        ['OS', machine.os],
        ['Node.js', machine.node],
        ['ClickHouse', results.clickhouseVersion ? `${results.clickhouseVersion} (embedded: packages/clickhouse-embedded, chdb's libchdb in clickhouse-local mode with its HTTP interface)` : '—'],
        ['fdatasync of 8 KiB in the temp dir (spool disk)', `p50 ${fmt.ms(machine.fsync.p50, 2)}, p99 ${fmt.ms(machine.fsync.p99, 2)}`],
        [
          'CPU speed probe (JSON.parse of a 20-event bench body, one thread; lower is faster)',
          `${machine.probes.map((p) => `${fmt.num(p.us, 1)} µs ${p.at === 'start' ? 'at the start' : p.at}`).join(', ')}: how far the machine's speed moved during the run; a rerun whose probe differs more than that ran on a faster or slower machine`,
        ],
        ['load average when the bench started', machine.loadavgAtStart.map((x) => x.toFixed(2)).join(', ')],
        ['date', machine.date],
        ['code measured', machine.code],
      ],
      ['l', 'l'],
    ),
  );
  out.push('');
  out.push('## Commands');
  out.push('');
  out.push('```sh');
  for (const [cmd, what] of [
    ['pnpm bench', '= pnpm build && node bench/run.mjs (writes this file)'],
    [`node bench/run.mjs ${argsText}`.trimEnd(), 'this run'],
    ['node bench/run.mjs --only collector', 'one section: collector | sdk | query'],
    ['node bench/run.mjs --quick', 'a short smoke run (writes bench/.work/BENCHMARKS.partial.md)'],
    ['node bench/sdk/run.mjs', 'section 2 on its own'],
  ]) {
    out.push(`${cmd.padEnd(40)} # ${what}`);
  }
  out.push('```');
  out.push('');
  const c = results.sections.collector;
  const q = results.sections.query;
  if (c?.plan) {
    const p = c.plan;
    out.push(
      `Collector section: the collector runs as \`node ${(c.collectorNodeFlags ?? []).join(' ')} services/collector/dist/main.js\` (its Dockerfile's flags) with ${Object.entries(c.collectorEnv).map(([k, v]) => `\`${k}=${v}\``).join(' ')}; ` +
        `the embedded ClickHouse at nice ${c.clickhouseNice} (as \`pnpm start\` runs it next to the collector: request handling gets the CPU first, inserts and merges the rest); ` +
        `autocannon ${p.connections} connections, pipelining 1, ${p.e2eSeconds} s per full-speed run, ${p.halfSeconds} s at half load (after ${p.halfWarmupSeconds} s of warm-up), ${p.overloadSeconds} s of overload with ${p.overloadConnections} connections, ${p.spoolSeconds} s with ClickHouse stopped.`,
    );
    out.push('');
  }

  // Headline
  const head = [];
  if (c?.e2e) {
    for (const b of c.plan.batches) {
      const e = c.e2e[b];
      if (e) head.push([`collector end to end, ${b} events/batch`, `${fmt.int(e.e2eEventsPerSec)} events/s (acked ${fmt.int(e.eventsPerSec)}/s), p99 ${e.latency.p99} ms at full speed`]);
    }
    for (const b of c.plan.batches) {
      const h = c.half[b];
      if (h) head.push([`p99 at half load, ${b} events/batch`, fmt.ms(h.latency.p99)]);
    }
    if (c.overload) head.push(['collector peak RSS at 10× overload', fmt.mb(c.overload.procs.procs.collector.peakRssBytes)]);
    if (c.checks?.length) head.push(['acknowledged events in ClickHouse exactly once', c.checks.every((x) => x.ok) ? '✅ all checks' : `❌ ${c.checks.filter((x) => !x.ok).length} of ${c.checks.length} checks failed`]);
  }
  if (q?.queries) {
    head.push([`daily overview query (90 days, ${fmt.int(q.rows)} events)`, `${fmt.ms(q.queries.overview.wallMs)} median`]);
    head.push(['funnel query', `${fmt.ms(q.queries.funnel.wallMs)} median`]);
    head.push(['bytes on disk per event', fmt.num(q.bytesPerEvent, 1)]);
  }
  if (head.length) {
    out.push('## Summary');
    out.push('');
    out.push(table(['', ''], head, ['l', 'r']));
    out.push('');
  }

  for (const name of ['collector', 'sdk', 'query']) {
    if (md[name]) {
      out.push(md[name]);
      out.push('');
    }
  }
  out.push('## 4. Wall time');
  out.push('');
  const rows = Object.entries(results.timings)
    .filter(([k]) => SECTIONS.includes(k))
    .map(([k, v]) => [k, fmt.s(v, 0)]);
  rows.push(['`node bench/run.mjs` in all', fmt.s(benchSeconds, 0)]);
  if (wholeSeconds) rows.push(['`pnpm bench` in all (pnpm build included)', fmt.s(wholeSeconds, 0)]);
  out.push(table(['part', 'wall time'], rows, ['l', 'r']));
  out.push('');
  return out.join('\n');
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(1);
});
