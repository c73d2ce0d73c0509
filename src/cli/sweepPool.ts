/**
 * The strategy × layer sweep on a pool of worker threads: cells are built lazily on this thread,
 * each cross-validated by whichever worker is free (widest first, so none is left with a wide cell
 * at the end). One worker, or one cell, runs inline.
 */
import { Worker } from 'node:worker_threads';
import { sweep, type FeatureCell, type SweepOptions, type SweepEntry } from '../analysis/sweep.ts';

/** A cell to sweep: its place on the grid, its width, and how to build its features. */
export interface CellJob {
  strategy: FeatureCell['strategy'];
  layer: number;
  dim: number;
  build: () => FeatureCell['features'];
}

// Worker threads do not inherit tsx's loader, so each one registers it before importing the worker.
export const WORKER_BOOT = `import('tsx/esm/api').then((m) => { m.register(); return import(require('node:worker_threads').workerData.url); });`;
const WORKER_URL = new URL('./sweepWorker.ts', import.meta.url).href;

/** Cross-validates every job's cell; entries come back in job order. */
export async function sweepJobs(
  jobs: readonly CellJob[],
  y: Float64Array,
  options: SweepOptions,
  workers: number,
  onEntry: (entry: SweepEntry) => void = () => {},
): Promise<SweepEntry[]> {
  const cellOf = (job: CellJob): FeatureCell => ({
    strategy: job.strategy,
    layer: job.layer,
    features: job.build(),
  });
  if (workers <= 1 || jobs.length <= 1) {
    return sweep(
      (function* () {
        for (const job of jobs) yield cellOf(job);
      })(),
      y,
      options,
      onEntry,
    );
  }
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b].dim - jobs[a].dim);
  const entries = new Array<SweepEntry>(jobs.length);
  const pool = Array.from({ length: Math.min(workers, jobs.length) }, () => {
    const worker = new Worker(WORKER_BOOT, {
      eval: true,
      execArgv: [],
      workerData: { url: WORKER_URL, y, options },
    });
    return new Promise<void>((resolve, reject) => {
      let current = -1;
      const next = () => {
        current = order.shift() ?? -1;
        if (current < 0) void worker.terminate().then(() => resolve());
        else worker.postMessage(cellOf(jobs[current]));
      };
      worker.on('message', (entry: SweepEntry) => {
        entries[current] = entry;
        onEntry(entry);
        next();
      });
      worker.on('error', (e) => {
        order.length = 0;
        reject(e);
      });
      worker.on('online', next);
    });
  });
  await Promise.all(pool);
  return entries;
}
