// Entry point of an ingest worker thread (see batch-preparer.ts): prepares batches sent by the
// main thread and posts back the result or the HttpError that answers the request.
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { HttpError } from '../errors.js';
import type { FromWorker, ToWorker } from './batch-preparer.js';
import { createPrepareContext, prepareBatch, type PrepareSettings } from './prepare-batch.js';

const ctx = createPrepareContext(workerData as PrepareSettings);
const port = parentPort!;

port.on('message', ({ id, request }: ToWorker) => {
  prepareBatch(request, ctx).then(
    // The rows' memory moves to the main thread instead of being copied.
    (batch) => port.postMessage({ id, batch } satisfies FromWorker, batch.rows.byteLength > 0 ? [batch.rows.buffer as ArrayBuffer] : []),
    (error: unknown) => {
      if (error instanceof HttpError) {
        const { status, code, message, errors, headers } = error;
        port.postMessage({ id, httpError: { status, code, message, ...(errors ? { errors } : {}), ...(headers ? { headers } : {}) } } satisfies FromWorker);
      } else port.postMessage({ id, failure: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
    },
  );
});

// Validators are compiled and the enrichers built: the main thread may count on this worker now.
port.postMessage({ ready: true, heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024) } satisfies FromWorker);
