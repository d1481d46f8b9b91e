import { Worker, type ResourceLimits, type WorkerOptions } from 'node:worker_threads';
import type { ErrorCode, FieldError } from '@spur/protocol';
import { HttpError } from '../errors.js';
import { createPrepareContext, prepareBatch, type BatchRequest, type PreparedBatch, type PrepareSettings } from './prepare-batch.js';

/** Runs prepareBatch: on the main thread, or spread over ingest worker threads. */
export interface BatchPreparer {
  prepare(request: BatchRequest): Promise<PreparedBatch>;
  close(): Promise<void>;
}

/**
 * A worker holds a few batches at a time, so a small young generation suffices: it keeps the
 * collector's resident memory down under overload (each isolate has its own heap) at the cost of
 * more frequent, cheap scavenges. The old-generation cap turns a runaway into a replaced worker.
 */
export const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };

export function createPreparer(settings: PrepareSettings, workers: number): BatchPreparer {
  return workers > 0 ? new WorkerPreparer(settings, workers) : new InlinePreparer(settings);
}

export class InlinePreparer implements BatchPreparer {
  private readonly ctx;

  constructor(settings: PrepareSettings) {
    this.ctx = createPrepareContext(settings);
  }

  prepare(request: BatchRequest): Promise<PreparedBatch> {
    return prepareBatch(request, this.ctx);
  }

  async close(): Promise<void> {}
}

// Messages between the main thread and an ingest worker.
export type ToWorker = { id: number; request: BatchRequest };
export type FromWorker =
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
}

/**
 * Decoding, validation, enrichment and serialisation are most of a batch's CPU and need no shared
 * state, so they run on worker threads while the main thread serves HTTP, the spool and the
 * shipper. Each batch goes to the worker with the fewest batches in hand. A worker that dies is
 * replaced; its batches fail (the client gets a 500 and retries), nothing is acknowledged.
 */
export class WorkerPreparer implements BatchPreparer {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly settings: PrepareSettings,
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Batches the workers hold right now. */
  get pending(): number {
    return this.slots.reduce((sum, slot) => sum + slot.jobs.size, 0);
  }

  prepare(request: BatchRequest): Promise<PreparedBatch> {
    if (this.closing) return Promise.reject(new Error('the ingest workers are stopped'));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.jobs.size < slot.jobs.size) slot = s;
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
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = startWorker({ workerData: this.settings, name: 'spur-ingest', resourceLimits: WORKER_LIMITS });
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', (message: FromWorker) => {
      const job = slot.jobs.get(message.id);
      if (!job) return;
      slot.jobs.delete(message.id);
      if ('batch' in message) job.resolve(message.batch);
      else if ('httpError' in message) {
        const e = message.httpError;
        job.reject(new HttpError(e.status, e.code, e.message, e.errors, e.headers));
      } else job.reject(new Error(`ingest worker: ${message.failure}`));
    });
    const fail = (why: string) => {
      for (const job of slot.jobs.values()) job.reject(new Error(`ingest worker ${why}`));
      slot.jobs.clear();
      if (this.closing) return;
      const index = this.slots.indexOf(slot);
      if (index !== -1) this.slots[index] = this.spawn();
    };
    worker.on('error', (error) => fail(`failed: ${error.message}`));
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) fail(`exited with code ${code}`);
    });
    // The HTTP server keeps the process alive; an idle worker must not.
    worker.unref();
    return slot;
  }
}

/** Heap sizes are per isolate: a worker refuses the parent's and gets WORKER_LIMITS instead. */
const HEAP_SIZE_FLAG = /^--(?:max|initial)[-_](?:old|semi|young|heap)[-_a-z]*(?:=|$)/;

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
