/**
 * Learned poolings cross-validated on a pool of worker threads, as the Fit view deals them to its
 * workers: one (strategy, fold) fit per job, whichever worker is free. The inputs sit on shared
 * memory, so every worker reads the same table. One worker runs inline.
 */
import { Worker } from 'node:worker_threads';
import { joinFolds } from '../analysis/cvFolds.ts';
import { learnedCvPredictions } from '../analysis/learned.ts';
import type { LearnedConfig } from '../analysis/learnedConfig.ts';
import type { LearnedInput } from '../analysis/learnedInput.ts';
import type { LearnedStrategy } from '../analysis/pooling.ts';
import { WORKER_BOOT } from './sweepPool.ts';

/** A learned pooling to cross-validate: what it reads and how it trains. */
export interface LearnedJob {
  strategy: LearnedStrategy;
  input: LearnedInput;
  config: Partial<LearnedConfig>;
}

/** What a worker is sent: the fold to hold out of one job's CV. */
export interface FoldTask {
  job: number;
  fold: number;
}

const WORKER_URL = new URL('./learnedWorker.ts', import.meta.url).href;

/** The input with its data on shared memory (copied there unless it already is). */
function shared(input: LearnedInput): LearnedInput {
  if (input.data.buffer instanceof SharedArrayBuffer) return input;
  const data = new Float32Array(new SharedArrayBuffer(input.data.byteLength));
  data.set(input.data);
  return { ...input, data };
}

/**
 * Every row's held-out prediction for each job, on `split`'s folds (ridge's `kFold`), the same as
 * `learnedCvPredictions` would give; `onFold` hears each (job, fold) once it is in.
 */
export async function learnedCvJobs(
  jobs: readonly LearnedJob[],
  y: Float64Array,
  split: { folds: number; seed: number },
  workers: number,
  onFold: (job: number, fold: number) => void = () => {},
): Promise<Float64Array[]> {
  if (workers <= 1) {
    return jobs.map(
      (j, k) =>
        learnedCvPredictions(j.strategy, j.input, y, split, j.config, undefined, (f) =>
          onFold(k, f),
        ).predictions,
    );
  }
  // The layer-wise poolings all read one table: it goes to shared memory once.
  const inputs = new Map<LearnedInput, LearnedInput>();
  const sharedJobs = jobs.map((j) => {
    if (!inputs.has(j.input)) inputs.set(j.input, shared(j.input));
    return { ...j, input: inputs.get(j.input)! };
  });
  const out = jobs.map(() => new Float64Array(y.length).fill(NaN));
  const queue: FoldTask[] = jobs.flatMap((_, job) =>
    Array.from({ length: split.folds }, (_, fold) => ({ job, fold })),
  );
  const size = Math.min(workers, queue.length);
  await Promise.all(
    Array.from({ length: size }, () => {
      const worker = new Worker(WORKER_BOOT, {
        eval: true,
        execArgv: [],
        workerData: { url: WORKER_URL, jobs: sharedJobs, y, split },
      });
      return new Promise<void>((resolve, reject) => {
        let current: FoldTask | undefined;
        const next = () => {
          current = queue.shift();
          if (!current) void worker.terminate().then(() => resolve());
          else worker.postMessage(current);
        };
        worker.on('message', (predictions: Float64Array) => {
          const { job, fold } = current!;
          joinFolds(out[job], predictions);
          onFold(job, fold);
          next();
        });
        worker.on('error', (e) => {
          queue.length = 0;
          reject(e);
        });
        worker.on('online', next);
      });
    }),
  );
  return out;
}
