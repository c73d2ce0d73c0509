/** The sweep's worker pool in the tab: Web Workers running sweep.worker.ts, one per core, at most four. */
import type { SweepEvent } from '../../pipeline/sweepProtocol.ts';
import { SweepWorkers, type OpenPort } from '../../pipeline/sweepWorkers.ts';

const openWorker: OpenPort = (_index, onEvent, onFailure) => {
  const worker = new Worker(new URL('./sweep.worker.ts', import.meta.url), {
    type: 'module',
    name: 'readscope-sweep',
  });
  worker.onmessage = (e: MessageEvent<SweepEvent>) => onEvent(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    onFailure(e.message || 'worker error');
  };
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    terminate: () => worker.terminate(),
  };
};

/** A pool of Web Workers for the sweep: one per core, at most four. */
export function webSweepWorkers(): SweepWorkers {
  const cores = globalThis.navigator?.hardwareConcurrency || 1;
  return new SweepWorkers(openWorker, Math.max(1, Math.min(cores, 4)));
}
