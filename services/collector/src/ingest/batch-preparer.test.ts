import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@spur/protocol';
import { HttpError } from '../errors.js';
import { setFlagsFromString } from 'node:v8';
import { InlinePreparer, WorkerPreparer, builtCodeExecArgv, clearHeapFlagsForWorkers } from './batch-preparer.js';
import type { BatchRequest, PrepareSettings } from './prepare-batch.js';

// The worker runs the built collector (dist/ingest/ingest-worker.js): `pnpm test` builds first.
const settings: PrepareSettings = {
  sites: [{ id: 'shop', origins: ['https://shop.example'], serverKey: 'server-key-0123456789abcdef', allowBrowserUserId: false }],
  stripParams: ['token'],
  maxEventAgeMs: 7 * 86_400_000,
};
const inline = new InlinePreparer(settings);
const warnings: object[] = [];
const workers = new WorkerPreparer(settings, 2, { warn: (fields) => warnings.push(fields) });
afterAll(() => workers.close());

const now = Date.now();
const event = (n: number, extra: object = {}) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'page_view',
  ts: now - 1000,
  url: `https://shop.example/p/${n}?utm_source=news&utm_medium=email&token=secret`,
  page_id: '11111111-1111-4111-8111-111111111111',
  seq: n,
  ...extra,
});

function request(body: unknown, over: Partial<BatchRequest> = {}): BatchRequest {
  return {
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    contentEncoding: undefined,
    origin: 'https://shop.example',
    authorization: undefined,
    ip: '198.51.100.7',
    userAgent: 'Mozilla/5.0',
    receivedAt: now,
    requestId: 'req-1',
    ...over,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('expected the batch to be refused');
}

describe('worker flags', () => {
  it('leave out the parent\'s heap sizes and the source condition, keep the rest', () => {
    expect(builtCodeExecArgv(['--max-old-space-size=384', '--initial-old-space-size=64', '--conditions', 'source', '--cpu-prof', '--max-semi-space-size=16', '--conditions=source', '--cpu-prof-dir=/tmp/p'])).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
  });

  it("do not size a worker's heap: the main process's heap flags are cleared before workers start", async () => {
    setFlagsFromString('--max-old-space-size=384'); // as NODE_FLAGS sets it on the command line
    try {
      expect(clearHeapFlagsForWorkers(['--max-old-space-size=384', '--initial-old-space-size=64', '--cpu-prof'])).toEqual(['--max-old-space-size', '--initial-old-space-size']);
      const fresh = new WorkerPreparer(settings, 1);
      try {
        const { heapLimitMb } = await fresh.started();
        // WORKER_LIMITS: 256 MB old + 8 MB young generation (V8 adds a little); with the flag, 396.
        expect(heapLimitMb).toHaveLength(1);
        expect(heapLimitMb[0]).toBeGreaterThan(256);
        expect(heapLimitMb[0]).toBeLessThan(300);
      } finally {
        await fresh.close();
      }
    } finally {
      setFlagsFromString('--max-old-space-size=0');
    }
  });
});

describe('ingest worker threads', () => {
  it('say when they are ready: started() resolves once each has compiled its validators', async () => {
    const fresh = new WorkerPreparer(settings, 2);
    try {
      expect(fresh.threads).toEqual({ ready: 0, total: 2 }); // still loading
      await fresh.started();
      expect(fresh.threads).toEqual({ ready: 2, total: 2 });
      expect((await fresh.prepare(request({ site: 'shop', sent_at: now, events: [event(0)] }))).response.accepted).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('that cannot start make started() fail with the reason, and refuse batches instead of holding them', async () => {
    const broken = new WorkerPreparer({ ...settings, sites: null as unknown as PrepareSettings['sites'] }, 1);
    try {
      await expect(broken.started()).rejects.toThrow(/an ingest worker (failed to start|exited)/);
      expect(broken.threads).toEqual({ ready: 0, total: 1 });
      // A start that failed is not retried (the collector stops); a batch is refused, not held.
      await expect(broken.prepare(request({ site: 'shop', sent_at: now, events: [event(0)] }))).rejects.toThrow(/no ingest worker is running/);
    } finally {
      await broken.close(); // also cancels the pending restart
    }
  });

  it('prepare a batch exactly as the main thread would', async () => {
    const batches = [
      request({ site: 'shop', sent_at: now, sdk: 'spur-js/0.1.0', dropped: 2, events: [event(0), event(1, { title: 'Schuhe "rot"' }), { type: 'nope' }] }),
      request(
        { site: 'shop', sent_at: now, events: [event(2, { context: { ip: '203.0.113.9', user_agent: 'Googlebot/2.1' }, user_id: 'cust-1' }), event(3)] },
        { origin: undefined, authorization: 'Bearer server-key-0123456789abcdef', contentEncoding: 'gzip' },
      ),
    ];
    batches[1]!.body = gzipSync(batches[1]!.body);
    for (const r of batches) {
      const expected = await inline.prepare({ ...r, body: Buffer.from(r.body) });
      const got = await workers.prepare(r);
      // The rows arrive as the Uint8Array a worker's Buffer becomes on the way; the same bytes.
      expect({ ...got, rows: Buffer.from(got.rows) }).toEqual({ ...expected, rows: Buffer.from(expected.rows) });
    }
    const [browser] = [await workers.prepare(batches[0]!)];
    expect(browser.response.accepted).toBe(2);
    expect(browser.response.rejected.map((x) => x.index)).toEqual([2]);
    expect(Buffer.from(browser.rows).toString('utf8')).not.toContain('secret'); // SPUR_STRIP_PARAMS applied in the worker
  });

  it('answer a refused batch with the same status, code and field errors', async () => {
    const cases: Array<[BatchRequest, number, string]> = [
      [request('{"site":'), 400, ERROR_CODES.invalidJson],
      [request('{"__proto__":{"x":1},"site":"shop","sent_at":1,"events":[]}'), 400, ERROR_CODES.invalidJson],
      [request({ site: 'shop', events: [] }), 400, ERROR_CODES.invalidEnvelope],
      [request({ site: 'other', sent_at: now, events: [event(0)] }), 403, ERROR_CODES.unknownSite],
      [request({ site: 'shop', sent_at: now, events: [event(0)] }, { origin: 'https://evil.example' }), 403, ERROR_CODES.originNotAllowed],
      [request('x', { contentEncoding: 'br' }), 415, ERROR_CODES.unsupportedEncoding],
    ];
    for (const [r, status, code] of cases) {
      const inMain = await failureOf(inline.prepare({ ...r, body: Buffer.from(r.body) }));
      const inWorker = await failureOf(workers.prepare(r));
      expect([inWorker.status, inWorker.code]).toEqual([status, code]);
      expect(inWorker.body()).toEqual(inMain.body());
    }
    expect(workers.pending).toBe(0);
  });

  it('replace a worker that dies; its batches fail, later ones are prepared', async () => {
    const slots = (workers as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }).slots;
    const doomed = slots.map((slot) => slot.worker);
    const inFlight = Array.from({ length: 4 }, (_, i) => workers.prepare(request({ site: 'shop', sent_at: now, events: [event(i)] })).then(
      () => 'prepared',
      (error: Error) => error.message,
    ));
    await Promise.all(doomed.map((w) => w.terminate()));
    for (const outcome of await Promise.all(inFlight)) expect(outcome === 'prepared' || /ingest worker exited/.test(outcome)).toBe(true);
    expect(workers.threads.ready).toBe(0); // the replacements are loading: /readyz says not ready
    expect(warnings).toEqual([expect.objectContaining({ reason: 'exited with code 1', restartInMs: 0 }), expect.objectContaining({ reason: 'exited with code 1', restartInMs: 0 })]);
    const after = await workers.prepare(request({ site: 'shop', sent_at: now, events: [event(9)] }));
    expect(after.response.accepted).toBe(1);
    expect(workers.pending).toBe(0);
    await expect.poll(() => workers.threads.ready).toBe(2);
  });
});
