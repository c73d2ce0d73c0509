/** One learned-pooling worker thread: fits the fold it is sent and predicts it (learnedPool.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { learnedCvPredictions } from '../analysis/learned.ts';
import type { FoldTask, LearnedJob } from './learnedPool.ts';

const { jobs, y, split } = workerData as {
  jobs: LearnedJob[];
  y: Float64Array;
  split: { folds: number; seed: number };
};

parentPort!.on('message', ({ job, fold }: FoldTask) => {
  const j = jobs[job];
  const { predictions } = learnedCvPredictions(j.strategy, j.input, y, split, j.config, [fold]);
  parentPort!.postMessage(predictions, [predictions.buffer as ArrayBuffer]);
});
