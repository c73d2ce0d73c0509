/**
 * The sweep's worker pool in Node: worker threads running sweepWorker.ts (the same
 * `sweepHandler` the tab's Web Workers run), or the handler in place on this thread for one
 * worker. The threads read the feature table in place where it sits on shared memory
 * (`onSharedMemory`).
 */
import { Worker } from 'node:worker_threads';
import type { SweepEvent } from '../pipeline/sweepProtocol.ts';
import { inlinePort, SweepWorkers, type OpenPort } from '../pipeline/sweepWorkers.ts';

// Worker threads do not inherit tsx's loader, so each one registers it before importing the worker.
const WORKER_BOOT = `import('tsx/esm/api').then((m) => { m.register(); return import(require('node:worker_threads').workerData.url); });`;
const WORKER_URL = new URL('./sweepWorker.ts', import.meta.url).href;

const openThread: OpenPort = (_index, onEvent, onFailure) => {
  const worker = new Worker(WORKER_BOOT, {
    eval: true,
    execArgv: [],
    workerData: { url: WORKER_URL },
  });
  worker.on('message', (event: SweepEvent) => onEvent(event));
  worker.on('error', (e) => onFailure(e.message));
  worker.on('exit', (code) => code !== 0 && onFailure(`exit code ${code}`));
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    terminate: () => void worker.terminate(),
  };
};

/** `workers` worker threads for the sweep, or the handler in place on this thread for one. */
export function nodeSweepWorkers(workers: number): SweepWorkers {
  return workers > 1 ? new SweepWorkers(openThread, workers) : new SweepWorkers(inlinePort, 1);
}

/** `a` on shared memory, copied there unless it already is, for every thread to read in place. */
export function onSharedMemory(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const copy = new Float32Array(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}
