// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per area (collector
// source file via the dist source map, npm package, Node internals, GC), and inclusive time of
// the functions that hold most of the stack.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const B64 = Object.fromEntries([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/** Decodes a source map's mappings into per-line sorted [genCol, srcIdx, srcLine] arrays. */
function decodeMappings(mappings) {
  const lines = [];
  let srcIdx = 0;
  let srcLine = 0;
  let srcCol = 0;
  let nameIdx = 0;
  for (const lineText of mappings.split(';')) {
    const segs = [];
    let genCol = 0;
    for (const seg of lineText.split(',')) {
      if (!seg) continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64[ch];
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      genCol += values[0];
      if (values.length >= 4) {
        srcIdx += values[1];
        srcLine += values[2];
        srcCol += values[3];
        if (values.length >= 5) nameIdx += values[4];
        segs.push([genCol, srcIdx, srcLine]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

const sourceMaps = new Map();
function originalPosition(url, line, column) {
  if (!url.startsWith('file://')) return undefined;
  let map = sourceMaps.get(url);
  if (map === undefined) {
    map = null;
    const file = fileURLToPath(url);
    if (existsSync(`${file}.map`)) {
      try {
        const raw = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
        map = { sources: raw.sources, sourcesContent: raw.sourcesContent, lines: decodeMappings(raw.mappings) };
      } catch {
        map = null;
      }
    }
    sourceMaps.set(url, map);
  }
  if (!map) return undefined;
  const segs = map.lines[line];
  if (!segs || segs.length === 0) return undefined;
  let best = segs[0];
  for (const s of segs) {
    if (s[0] <= column) best = s;
    else break;
  }
  const source = map.sources[best[1]].replace(/^(\.\.\/)+/, '');
  const text = map.sourcesContent?.[best[1]]?.split('\n')[best[2]]?.trim();
  return { source, line: best[2] + 1, text };
}

function area(frame) {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName;
    return '(V8 builtins / native)';
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const m = /\/(services|packages)\/([^/]+)\/dist\//.exec(url);
  if (m) {
    const pos = originalPosition(url, frame.lineNumber, frame.columnNumber);
    return pos ? `${m[2]}: ${pos.source.replace(/^src\//, '')}` : `${m[2]} (dist)`;
  }
  return url.replace(/^file:\/\//, '');
}

function location(frame) {
  const { url } = frame;
  if (!url) return '';
  const pos = /\/(services|packages)\/[^/]+\/dist\//.test(url) ? originalPosition(url, frame.lineNumber, frame.columnNumber) : undefined;
  if (pos) return `${pos.source}:${pos.line}`;
  const nm = url.lastIndexOf('/node_modules/');
  const short = nm !== -1 ? url.slice(nm + '/node_modules/'.length) : url.replace(/^file:\/\//, '');
  return `${short}:${frame.lineNumber + 1}`;
}

/**
 * Returns { totalMs, sampleCount, topSelf: [{name, location, area, selfMs, selfPct}], areas: [{area, selfMs, selfPct}],
 * topInclusive: [{name, location, inclusivePct}] }.
 */
export function summarizeProfile(file, { top = 20, fromUs = -Infinity, toUs = Infinity } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Only the samples inside [fromUs, toUs] (V8's clock is the monotonic one process.hrtime reads),
  // so start-up, warm-up and the drain afterwards do not count.
  const samples = [];
  const timeDeltas = [];
  {
    let ts = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      ts += profile.timeDeltas[i];
      if (ts >= fromUs && ts <= toUs) {
        samples.push(profile.samples[i]);
        timeDeltas.push(profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0);
      }
    }
  }
  const selfUs = new Map();
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + timeDeltas[i]);
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idleUs = [...selfUs.entries()].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);

  const key = (f) => `${f.functionName || '(anonymous)'}@${f.url}:${f.lineNumber}:${f.columnNumber}`;
  const fnSelf = new Map();
  const areaSelf = new Map();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id).callFrame;
    const k = key(frame);
    const entry = fnSelf.get(k) ?? { frame, us: 0 };
    entry.us += us;
    fnSelf.set(k, entry);
    const a = area(frame);
    areaSelf.set(a, (areaSelf.get(a) ?? 0) + us);
  }

  // Inclusive: per sample, each distinct function on the stack gets the sample's time once.
  const inclusive = new Map();
  const stackKeys = new Map();
  const keysOf = (id) => {
    let keys = stackKeys.get(id);
    if (keys) return keys;
    const set = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) set.add(key(byId.get(cur).callFrame));
    keys = [...set];
    stackKeys.set(id, keys);
    return keys;
  };
  for (let i = 0; i < samples.length; i++) {
    for (const k of keysOf(samples[i])) inclusive.set(k, (inclusive.get(k) ?? 0) + timeDeltas[i]);
  }
  const frames = new Map(profile.nodes.map((n) => [key(n.callFrame), n.callFrame]));

  const busyUs = totalUs - idleUs;
  const pct = (us) => (100 * us) / busyUs;
  const topSelf = [...fnSelf.values()]
    .filter((e) => e.frame.functionName !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.frame.functionName || '(anonymous)', location: location(e.frame), area: area(e.frame), selfMs: e.us / 1000, selfPct: pct(e.us) }));
  const areas = [...areaSelf.entries()]
    .filter(([a]) => a !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .map(([a, us]) => ({ area: a, selfMs: us / 1000, selfPct: pct(us) }));
  const skip = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);
  const topInclusive = [...inclusive.entries()]
    .filter(([k]) => !skip.has(frames.get(k).functionName))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 200)
    .map(([k, us]) => ({ name: frames.get(k).functionName || '(anonymous)', location: location(frames.get(k)), area: area(frames.get(k)), inclusivePct: pct(us) }));
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, idlePct: (100 * idleUs) / totalUs, sampleCount: samples.length, topSelf, areas, topInclusive };
}

/**
 * Self samples per source line over the whole profile (V8's positionTicks are not time-stamped,
 * so they cannot be cut to a window), mapped through the dist source maps; inlined functions
 * show up on their own lines. Returns [{ location, text, ticks, pct }] for collector/protocol
 * code, pct = share of all non-idle samples.
 */
export function hotLines(file, { top = 12 } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  let busy = 0;
  for (const n of profile.nodes) if (n.callFrame.functionName !== '(idle)') busy += n.hitCount ?? 0;
  const lines = new Map();
  for (const n of profile.nodes) {
    const { url } = n.callFrame;
    if (!n.positionTicks || !/\/(services|packages)\/[^/]+\/dist\//.test(url)) continue;
    for (const { line, ticks } of n.positionTicks) {
      const pos = originalPosition(url, line - 1, 0);
      if (!pos) continue;
      const key = `${pos.source}:${pos.line}`;
      const entry = lines.get(key) ?? { location: key, text: pos.text, ticks: 0 };
      entry.ticks += ticks;
      lines.set(key, entry);
    }
  }
  return [...lines.values()]
    .sort((a, b) => b.ticks - a.ticks)
    .slice(0, top)
    .map((x) => ({ ...x, pct: (100 * x.ticks) / busy }));
}
