/** One sweep worker thread: cross-validates each cell it is sent (see sweepPool.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { sweepCell, type FeatureCell, type SweepOptions } from '../analysis/sweep.ts';

const { y, options } = workerData as { y: Float64Array; options: SweepOptions };

parentPort!.on('message', (cell: FeatureCell) => {
  parentPort!.postMessage(sweepCell(cell, y, options));
});
