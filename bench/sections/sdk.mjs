// Section 2: the SDK against its peers. bench/sdk/ is its own benchmark (another owner): this
// only runs `node bench/sdk/run.mjs`, bounded in time, and includes its Markdown verbatim.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, log, spawnNode, tail } from '../lib/common.mjs';

const SCRIPT = join(REPO, 'bench/sdk/run.mjs');
const REPORT = join(REPO, 'bench/sdk/.work/report.md');
const RESULTS = join(REPO, 'bench/sdk/.work/results.json');

export async function runSdkSection({ timeoutSeconds = 480, args = [] } = {}) {
  const res = { script: 'bench/sdk/run.mjs', args, problems: [] };
  if (!existsSync(SCRIPT)) {
    res.missing = true;
    return res;
  }
  const startedAt = Date.now();
  const started = performance.now();
  log(`sdk: node bench/sdk/run.mjs ${args.join(' ')} (its progress: bench/.work/logs/sdk.log)`);
  const proc = spawnNode([SCRIPT, ...args], { name: 'sdk' });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop('SIGTERM', 5_000);
  }, timeoutSeconds * 1000);
  const status = await proc.exited;
  clearTimeout(timer);
  res.seconds = (performance.now() - started) / 1000;
  res.exit = status;
  res.logFile = proc.logFile;
  const fresh = existsSync(REPORT) && statSync(REPORT).mtimeMs >= startedAt;
  if (timedOut) res.problems.push(`bench/sdk/run.mjs was stopped after ${timeoutSeconds} s`);
  if (status.code !== 0) res.problems.push(`bench/sdk/run.mjs exited with ${status.code ?? status.signal}:\n\n\`\`\`\n${tail(proc.logFile, 12)}\n\`\`\``);
  if (fresh) {
    res.report = readFileSync(REPORT, 'utf8').trimEnd();
    try {
      res.results = JSON.parse(readFileSync(RESULTS, 'utf8'));
    } catch {
      // the Markdown is what we include
    }
  } else res.problems.push('bench/sdk/run.mjs wrote no new bench/sdk/.work/report.md');
  log(`sdk: done in ${res.seconds.toFixed(0)} s (exit ${status.code ?? status.signal})`);
  return res;
}

export function sdkMarkdown(r) {
  const out = ['## 2. SDK against peers', ''];
  if (r.missing) {
    out.push('`bench/sdk/run.mjs` does not exist yet: nothing to report.', '');
    return out.join('\n');
  }
  out.push(`Output of \`node bench/sdk/run.mjs${r.args.length ? ` ${r.args.join(' ')}` : ''}\` (bench/sdk/, its own owner), included verbatim; it took ${r.seconds.toFixed(0)} s.`, '');
  for (const p of r.problems) out.push(`> ⚠️ ${p}`, '');
  if (r.report) out.push(r.report, '');
  return out.join('\n');
}
