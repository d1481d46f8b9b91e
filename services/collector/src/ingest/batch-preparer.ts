import { setFlagsFromString } from 'node:v8';
import { Worker, type ResourceLimits, type WorkerOptions } from 'node:worker_threads';
import type { ErrorCode, FieldError } from '@spur/protocol';
import { HttpError } from '../errors.js';
import { createPrepareContext, prepareBatch, type BatchRequest, type PreparedBatch, type PrepareSettings } from './prepare-batch.js';

/** Runs prepareBatch: on the main thread, or spread over ingest worker threads. */
export interface BatchPreparer {
  prepare(request: BatchRequest): Promise<PreparedBatch>;
  /** Resolves once batches can be prepared at full speed; rejects if that can never happen. */
  started(): Promise<PreparerStarted>;
  /** Threads preparing batches now, of how many (0 of 0: the main thread does it). */
  readonly threads: { ready: number; total: number };
  close(): Promise<void>;
}

/** What the workers reported when they had started: each one's V8 heap limit. */
export interface PreparerStarted {
  heapLimitMb: number[];
}

/** What a WorkerPreparer tells its owner (the collector logs it): a worker died, or was replaced. */
export interface PreparerLog {
  warn(fields: object, message: string): void;
}

/**
 * A worker holds a few batches at a time, so a small young generation suffices: it keeps the
 * collector's resident memory down under overload (each isolate has its own heap) at the cost of
 * more frequent, cheap scavenges. The old-generation cap turns a runaway into a replaced worker.
 */
export const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };

/** How long the first workers may take to load before the collector gives up starting. */
export const WORKER_START_TIMEOUT_MS = 60_000;

export function createPreparer(settings: PrepareSettings, workers: number, log?: PreparerLog): BatchPreparer {
  return workers > 0 ? new WorkerPreparer(settings, workers, log) : new InlinePreparer(settings);
}

export class InlinePreparer implements BatchPreparer {
  private readonly ctx;
  readonly threads = { ready: 0, total: 0 };

  constructor(settings: PrepareSettings) {
    this.ctx = createPrepareContext(settings);
  }

  prepare(request: BatchRequest): Promise<PreparedBatch> {
    return prepareBatch(request, this.ctx);
  }

  async started(): Promise<PreparerStarted> {
    return { heapLimitMb: [] };
  }

  async close(): Promise<void> {}
}

// Messages between the main thread and an ingest worker.
export type ToWorker = { id: number; request: BatchRequest };
export type FromWorker =
  | { ready: true; heapLimitMb: number }
  | { id: number; batch: PreparedBatch }
  | { id: number; httpError: { status: number; code: ErrorCode; message: string; errors?: FieldError[]; headers?: Record<string, string> } }
  | { id: number; failure: string };

interface Job {
  resolve(batch: PreparedBatch): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  /** 'ready' once the worker has built its prepare context (validators compiled) and said so. */
  state: 'starting' | 'ready' | 'dead';
  /** Settles when the state leaves 'starting': the worker's heap limit, or why it never ran. */
  started: Promise<number>;
}

/** A worker that dies before it is ready is restarted after this, not at once: no restart storm. */
export const FAILED_START_RETRY_MS = 1000;

/**
 * Decoding, validation, enrichment and serialisation are most of a batch's CPU and need no shared
 * state, so they run on worker threads while the main thread serves HTTP, the spool and the
 * shipper. Each batch goes to the ready worker with the fewest batches in hand. A worker that dies
 * is replaced; its batches fail (the client gets a 500 and retries), nothing is acknowledged.
 */
export class WorkerPreparer implements BatchPreparer {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;
  /** The first workers are all ready: from then on a failed worker is replaced. */
  private running = false;
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly firstStart: Promise<PreparerStarted>;

  constructor(
    private readonly settings: PrepareSettings,
    size: number,
    private readonly log?: PreparerLog,
  ) {
    clearHeapFlagsForWorkers();
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the ingest workers did not start within ${WORKER_START_TIMEOUT_MS / 1000} s`)), WORKER_START_TIMEOUT_MS);
      timer.unref();
    });
    this.firstStart = Promise.race([Promise.all(this.slots.map((slot) => slot.started)), timeout])
      .finally(() => clearTimeout(timer))
      .then((heapLimitMb) => {
        this.running = true;
        return { heapLimitMb };
      });
    this.firstStart.catch(() => {}); // reported through started()
  }

  /**
   * The first workers are running. Rejects with the first one's start failure (built code missing,
   * a bad setting) or after WORKER_START_TIMEOUT_MS, so the collector stops at start with the
   * reason instead of serving 500s.
   */
  started(): Promise<PreparerStarted> {
    return this.firstStart;
  }

  get threads(): { ready: number; total: number } {
    let ready = 0;
    for (const slot of this.slots) if (slot.state === 'ready') ready++;
    return { ready, total: this.slots.length };
  }

  /** Batches the workers hold right now. */
  get pending(): number {
    return this.slots.reduce((sum, slot) => sum + slot.jobs.size, 0);
  }

  prepare(request: BatchRequest): Promise<PreparedBatch> {
    if (this.closing) return Promise.reject(new Error('the ingest workers are stopped'));
    const slot = this.pick();
    if (!slot) return Promise.reject(new Error('no ingest worker is running; the failed ones are being restarted'));
    const id = this.nextId++;
    // The body moves to the worker without a copy when it owns its memory; a view into a shared
    // pool (small bodies) is copied first, since moving it would take the pool away.
    const { body } = request;
    const own = body.buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
    return new Promise<PreparedBatch>((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject });
      slot.worker.postMessage({ id, request: { ...request, body: own } } satisfies ToWorker, [own.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /**
   * The ready worker with the fewest batches; a starting one (it queues messages until it runs,
   * about a second) only when none is ready. Dead ones are waiting for their replacement.
   */
  private pick(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.state === 'dead') continue;
      if (!best || rank(s) < rank(best) || (rank(s) === rank(best) && s.jobs.size < best.jobs.size)) best = s;
    }
    return best;
  }

  private spawn(): Slot {
    const worker = startWorker({ workerData: this.settings, name: 'spur-ingest', resourceLimits: WORKER_LIMITS });
    let settle!: { resolve(heapLimitMb: number): void; reject(error: Error): void };
    const started = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
    started.catch(() => {}); // the first workers' failures reach started(); a replacement's, fail()
    const slot: Slot = { worker, jobs: new Map(), state: 'starting', started };
    worker.on('message', (message: FromWorker) => {
      if ('ready' in message) {
        // A crash can be reported before an earlier 'ready' is handled: dead stays dead.
        if (slot.state !== 'starting') return;
        slot.state = 'ready';
        settle.resolve(message.heapLimitMb);
        // The HTTP server keeps the process alive; an idle worker must not. A starting one must:
        // start-up may be waiting for nothing else.
        worker.unref();
        return;
      }
      const job = slot.jobs.get(message.id);
      if (!job) return;
      slot.jobs.delete(message.id);
      if ('batch' in message) job.resolve(message.batch);
      else if ('httpError' in message) {
        const e = message.httpError;
        job.reject(new HttpError(e.status, e.code, e.message, e.errors, e.headers));
      } else job.reject(new Error(`ingest worker: ${message.failure}`));
    });
    // 'error' is followed by 'exit': the first of them ends the slot.
    const fail = (why: string) => {
      if (slot.state === 'dead') return;
      const ran = slot.state === 'ready';
      slot.state = 'dead';
      if (!ran) settle.reject(new Error(`an ingest worker ${why}`));
      for (const job of slot.jobs.values()) job.reject(new Error(`ingest worker ${why}`));
      const lost = slot.jobs.size;
      slot.jobs.clear();
      // Before the first start is complete, a failure fails the start (started() rejects).
      if (this.closing || !this.running) return;
      this.log?.warn({ reason: why, batchesFailed: lost, restartInMs: ran ? 0 : FAILED_START_RETRY_MS }, 'ingest worker stopped; starting a replacement');
      const replace = () => {
        const index = this.slots.indexOf(slot);
        if (index !== -1 && !this.closing) this.slots[index] = this.spawn();
      };
      // A worker that ran is replaced at once; one that never started would fail again right away.
      if (ran) return replace();
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        replace();
      }, FAILED_START_RETRY_MS);
      timer.unref();
      this.retries.add(timer);
    };
    worker.on('error', (error) => fail(`${slot.state === 'starting' ? 'failed to start' : 'failed'}: ${error.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}${slot.state === 'starting' ? ' before it was ready' : ''}`));
    return slot;
  }
}

/** Ready workers first, then starting ones. */
function rank(slot: Slot): number {
  return slot.state === 'ready' ? 0 : 1;
}

/** V8's heap-size flags: a worker's execArgv may not carry them, and they must not size its heap. */
const HEAP_SIZE_FLAG = /^--(?:max|initial)[-_](?:old|semi|young|heap)[-_a-z]*(?:=|$)/;

/**
 * V8's heap-size flags are process-wide: the main process's (NODE_FLAGS: --max-old-space-size,
 * --initial-old-space-size) would also size every worker's heap and override WORKER_LIMITS
 * (measured: a worker's limit 396 MB instead of 268 MB with --max-old-space-size=384). V8 reads
 * them when it creates an isolate, so setting them to 0 (V8's "not set") once the main isolate
 * runs keeps its heap as configured and gives each worker WORKER_LIMITS. Returns the flags cleared.
 */
export function clearHeapFlagsForWorkers(args: readonly string[] = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]): string[] {
  const cleared: string[] = [];
  for (const arg of args) {
    if (!HEAP_SIZE_FLAG.test(arg)) continue;
    const name = arg.split('=')[0]!;
    setFlagsFromString(`${name}=0`);
    cleared.push(name);
  }
  return cleared;
}

/**
 * The worker is built code, so its imports must resolve to built packages even when the parent
 * runs from TypeScript sources with a "source" export condition (the tests). Heap-size flags (the
 * collector runs with --max-old-space-size) are left out; other flags (profiling) are inherited.
 */
export function builtCodeExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const args: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (arg === '--conditions' || arg === '-C') i++;
    else if (!arg.startsWith('--conditions=') && !HEAP_SIZE_FLAG.test(arg)) args.push(arg);
  }
  return args;
}

/** A worker running the built ingest code, with the parent's flags where a worker accepts them. */
function startWorker(options: WorkerOptions): Worker {
  try {
    return new Worker(workerUrl(), { ...options, execArgv: builtCodeExecArgv() });
  } catch (error) {
    // Other V8 and process-wide flags on the command line are refused in a worker's execArgv too:
    // start it without the parent's flags instead of failing.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(workerUrl(), { ...options, execArgv: [] });
  }
}

/** The built worker next to this module in dist/; from the sources (tests), the built one. */
function workerUrl(): URL {
  const here = import.meta.url;
  return /\.ts$/.test(here) ? new URL('../../dist/ingest/ingest-worker.js', here) : new URL('./ingest/ingest-worker.js', here);
}
