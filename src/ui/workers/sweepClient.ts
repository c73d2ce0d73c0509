/**
 * The page's handle on the sweep workers. Where the feature table sits on shared memory (a
 * cross-origin isolated page), cells are dealt, widest first, to one worker per core, all reading
 * the same table; elsewhere the table moves to a single worker. Cancelling ends the workers (each
 * cell is one long synchronous fit); the next call starts fresh ones.
 */
import { joinFolds } from '../../analysis/cvFolds.ts';
import type { FittedPooling } from '../../analysis/learned.ts';
import type { LearnedConfig } from '../../analysis/learnedConfig.ts';
import type { RaggedTokenInput } from '../../analysis/learnedInput.ts';
import { STRATEGIES, type LearnedStrategy } from '../../analysis/pooling.ts';
import {
  kFold,
  mergeCvPredictions,
  scoreCv,
  scoreFolds,
  type AlphaScore,
  type CvPredictions,
  type RidgeCVResult,
} from '../../analysis/cvFolds.ts';
import { cvShares } from '../../analysis/cvPlan.ts';
import type { RidgeModel } from '../../analysis/ridge.ts';
import { bestEstimates, withExactCv, type SweepEntry } from '../../analysis/sweep.ts';
import type { SweepCellId } from '../../pipeline/fitRun.ts';
import type { SweepEvent, SweepRequest } from './sweepProtocol.ts';

type Body<T extends SweepRequest['type']> = Omit<Extract<SweepRequest, { type: T }>, 'requestId'>;
type AnyBody = { [T in SweepRequest['type']]: Body<T> }[SweepRequest['type']];

/** A cell's exact CV: its score and every row's held-out prediction at each α of the grid. */
export interface ExactCv {
  cv: RidgeCVResult;
  predictions: CvPredictions;
}

/** A learned pooling's CV on the sweep's folds: its score and every row's held-out prediction. */
export interface LearnedCv {
  strategy: LearnedStrategy;
  cv: Omit<AlphaScore, 'alpha'>;
  outOfFold: Float64Array;
}

/**
 * Runs `jobs` in order on `workers` workers at once: each takes the next job as soon as its last
 * one is done, so a slow job holds up only its own worker. Once `stop` says so, or a job fails, no
 * further job starts.
 */
async function deal<J>(
  jobs: readonly J[],
  workers: number,
  run: (job: J, worker: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  const queue = [...jobs];
  try {
    await Promise.all(
      Array.from({ length: Math.min(workers, queue.length) }, async (_, worker) => {
        for (let job = queue.shift(); job !== undefined && !stop(); job = queue.shift())
          await run(job, worker);
      }),
    );
  } finally {
    queue.length = 0;
  }
}

const createWorker = () =>
  new Worker(new URL('./sweep.worker.ts', import.meta.url), {
    type: 'module',
    name: 'readscope-sweep',
  });

/** Workers a sweep may use: one per core, at most four. */
const poolSize = () => Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency || 1, 4));

export class SweepClient {
  private workers: (Worker | null)[] = [];
  /** What the last sweep left in its workers: its targets, folds, and how many workers hold it. */
  private swept: { y: Float64Array; folds: number; seed: number; holders: number } | null = null;
  private nextId = 1;
  private pending = new Map<
    number,
    { onEvent: (e: SweepEvent) => void; fail: (m: string) => void }
  >();

  private ensure(index: number): Worker {
    const existing = this.workers[index];
    if (existing) return existing;
    const worker = createWorker();
    worker.onmessage = (e: MessageEvent<SweepEvent>) =>
      this.pending.get(e.data.requestId)?.onEvent(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.reset(`The sweep stopped (${e.message || 'worker error'}). Run it again.`);
    };
    this.workers[index] = worker;
    return worker;
  }

  private request<T>(
    body: AnyBody,
    onEvent: (e: SweepEvent, resolve: (v: T) => void) => void,
    transfer: Transferable[] = [],
    workerIndex = 0,
  ): Promise<T> {
    const requestId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const fail = (message: string) => {
        this.pending.delete(requestId);
        reject(new Error(message));
      };
      this.pending.set(requestId, {
        fail,
        onEvent: (e) => {
          if (e.status === 'error') return fail(e.message);
          onEvent(e, (v) => {
            this.pending.delete(requestId);
            resolve(v);
          });
        },
      });
      this.ensure(workerIndex).postMessage({ ...body, requestId } as SweepRequest, transfer);
    });
  }

  /**
   * Runs the sweep. A shared table is read by a pool of workers in place; any other table's buffers
   * move to worker 0. Worker 0 keeps the table for `inspect` either way.
   */
  async sweep(
    body: Body<'sweep'>,
    onEntry?: (entry: SweepEntry, done: number, total: number) => void,
  ): Promise<SweepEntry[]> {
    const buffers = Object.values(body.table.pooled).map((a) => a.buffer);
    const shared =
      typeof SharedArrayBuffer === 'function' &&
      buffers.every((b) => b instanceof SharedArrayBuffer);
    const total = body.cells.length;
    const size = shared ? Math.min(poolSize(), total) : 1;
    this.swept = { y: body.y, folds: body.folds, seed: body.seed, holders: size };
    if (size <= 1) {
      return this.request<SweepEntry[]>(
        body,
        (e, resolve) => {
          if (e.status === 'entry') onEntry?.(e.entry, e.done, e.total);
          if (e.status === 'swept') resolve(e.entries);
        },
        shared ? [] : (buffers as ArrayBuffer[]),
      );
    }
    const width = (i: number) => STRATEGIES[body.cells[i].strategy].outputSize(body.table.hidden);
    const order = body.cells.map((_, i) => i).sort((a, b) => width(b) - width(a));
    const entries = new Array<SweepEntry>(total);
    let done = 0;
    try {
      await deal(order, size, async (i, index) => {
        const [entry] = await this.request<SweepEntry[]>(
          { ...body, cells: [body.cells[i]] },
          (e, resolve) => {
            if (e.status === 'swept') resolve(e.entries);
          },
          [],
          index,
        );
        entries[i] = entry;
        onEntry?.(entry, ++done, total);
      });
    } catch (e) {
      this.reset(e instanceof Error ? e.message : String(e));
      throw e;
    }
    return entries;
  }

  /**
   * One cell's exact CV, with the folds shared out among the workers that hold the table: every
   * row's held-out prediction at every α, and the score. An exact sweep entry is reused, so only
   * its α is solved for.
   */
  async exactCv(cell: SweepCellId, entry: SweepEntry): Promise<ExactCv> {
    if (!this.swept) throw new Error('no sweep has run yet');
    const { y, folds, holders } = this.swept;
    const exactCv = entry.sketch ? undefined : entry.result;
    const alphas = exactCv ? [exactCv.alpha] : undefined;
    const shares = Math.min(holders, folds);
    const parts = await Promise.all(
      Array.from({ length: shares }, (_, w) =>
        this.request<CvPredictions>(
          {
            type: 'cv-part',
            cell,
            folds: Array.from({ length: folds }, (_, f) => f).filter((f) => f % shares === w),
            alphas,
          },
          (e, resolve) => {
            if (e.status === 'cv-part') resolve(e.predictions);
          },
          [],
          w,
        ),
      ),
    );
    const predictions = mergeCvPredictions(parts);
    return { cv: exactCv ?? scoreCv(predictions, y), predictions };
  }

  /**
   * After a quick sweep: each strategy's best estimate cross-validated exactly (see
   * `bestEstimates`). Their shares (`cvShares`: a primal cell whole, a dual cell fold by fold, a
   * Krylov cell in two halves) are dealt, costliest first, to whichever worker that holds the
   * table is free. `onStep` hears the entries at the start and as each cell is confirmed; the
   * exact CVs come back by cell (`strategy@layer`) so selecting one of them only fits it.
   */
  async confirmBest(
    entries: readonly SweepEntry[],
    onStep?: (entries: readonly SweepEntry[], done: number, total: number) => void,
  ): Promise<{ entries: SweepEntry[]; exact: Map<string, ExactCv> }> {
    if (!this.swept) throw new Error('no sweep has run yet');
    const { y, folds, holders } = this.swept;
    const picks = bestEstimates(entries);
    const exact = new Map<string, ExactCv>();
    let current = [...entries];
    const parts = picks.map(() => [] as CvPredictions[]);
    const shares = picks.map((pick) => cvShares(pick.dim, y.length, folds));
    const jobs = shares
      .flatMap((list, p) => list.map((share) => ({ p, ...share })))
      .sort((a, b) => b.cost - a.cost);
    const left = shares.map((list) => list.length);
    let done = 0;
    onStep?.(current, 0, picks.length);
    await deal(jobs, holders, async (job, index) => {
      const pick = picks[job.p];
      const cell = { strategy: pick.strategy, layer: pick.layer } as SweepCellId;
      const part = await this.request<CvPredictions>(
        { type: 'cv-part', cell, folds: job.folds },
        (e, resolve) => {
          if (e.status === 'cv-part') resolve(e.predictions);
        },
        [],
        index,
      );
      parts[job.p].push(part);
      if (--left[job.p] > 0) return;
      const predictions = mergeCvPredictions(parts[job.p]);
      const cv = { cv: scoreCv(predictions, y), predictions };
      exact.set(`${cell.strategy}@${cell.layer}`, cv);
      current = withExactCv(current, cell, cv.cv);
      onStep?.(current, ++done, picks.length);
    });
    return { entries: current, exact };
  }

  /**
   * One cell fitted exactly: its CV (`known` when `exactCv` has already run for it), out-of-fold
   * predictions at the best α, and the fit on every row at that α.
   */
  async inspect(
    cell: SweepCellId,
    entry: SweepEntry,
    known?: ExactCv,
  ): Promise<{ cv: RidgeCVResult; outOfFold: Float64Array; model: RidgeModel }> {
    const { cv, predictions } = known ?? (await this.exactCv(cell, entry));
    const outOfFold = predictions.predictions[predictions.alphas.indexOf(cv.alpha)];
    const model = await this.request<RidgeModel>(
      { type: 'fit', cell, alpha: cv.alpha },
      (e, resolve) => {
        if (e.status === 'fitted') resolve(e.model);
      },
    );
    return { cv, outOfFold, model };
  }

  /**
   * Learned poolings cross-validated on the sweep's table and folds: one (strategy, fold) job at a
   * time per worker that holds the table. `onStep` hears each finished job, with the strategy's
   * result once its last fold is in. An aborted `signal` starts no further job; the jobs running
   * finish, and the promise resolves with the strategies that were completed.
   */
  async learnedCv(
    strategies: readonly LearnedStrategy[],
    configFor: (strategy: LearnedStrategy) => Partial<LearnedConfig>,
    onStep?: (done: number, total: number, result?: LearnedCv) => void,
    signal?: AbortSignal,
  ): Promise<LearnedCv[]> {
    if (!this.swept) throw new Error('no sweep has run yet');
    const { y, folds, seed, holders } = this.swept;
    const fold = kFold(y.length, folds, seed);
    const jobs = strategies.flatMap((strategy) =>
      Array.from({ length: folds }, (_, f) => ({ strategy, f })),
    );
    const total = jobs.length;
    const outOfFold = new Map(strategies.map((s) => [s, new Float64Array(y.length).fill(NaN)]));
    const left = new Map(strategies.map((s) => [s, folds]));
    const results: LearnedCv[] = [];
    let done = 0;
    const stop = () => !!signal?.aborted;
    await deal(
      jobs,
      holders,
      async (job, index) => {
        const part = await this.request<Float64Array>(
          {
            type: 'learned-cv-part',
            strategy: job.strategy,
            folds: [job.f],
            config: configFor(job.strategy),
          },
          (e, resolve) => {
            if (e.status === 'learned-cv-part') resolve(e.predictions);
          },
          [],
          index,
        );
        const out = outOfFold.get(job.strategy)!;
        joinFolds(out, part);
        const remaining = left.get(job.strategy)! - 1;
        left.set(job.strategy, remaining);
        let result: LearnedCv | undefined;
        if (remaining === 0) {
          result = { strategy: job.strategy, cv: scoreFolds(out, y, fold, folds), outOfFold: out };
          results.push(result);
        }
        onStep?.(++done, total, result);
      },
      stop,
    );
    return strategies.flatMap((s) => results.filter((r) => r.strategy === s));
  }

  /**
   * Hands Conv1D's tokens to every worker that holds the table: read in place where they sit on
   * shared memory, moved to the one worker otherwise.
   */
  async holdTokens(tokens: RaggedTokenInput): Promise<void> {
    if (!this.swept) throw new Error('no sweep has run yet');
    const shared =
      typeof SharedArrayBuffer === 'function' && tokens.data.buffer instanceof SharedArrayBuffer;
    const holders = shared ? this.swept.holders : 1;
    await Promise.all(
      Array.from({ length: holders }, (_, w) =>
        this.request<void>(
          { type: 'tokens', tokens },
          (e, resolve) => {
            if (e.status === 'tokens-held') resolve();
          },
          shared ? [] : [tokens.data.buffer as ArrayBuffer],
          w,
        ),
      ),
    );
  }

  /** A learned pooling fitted on every row of the sweep's table. */
  learnedFit(strategy: LearnedStrategy, config: Partial<LearnedConfig>): Promise<FittedPooling> {
    if (!this.swept) return Promise.reject(new Error('no sweep has run yet'));
    return this.request<FittedPooling>({ type: 'learned-fit', strategy, config }, (e, resolve) => {
      if (e.status === 'learned-fitted') resolve(e.fitted);
    });
  }

  /** Ends the worker and fails whatever was pending with `message`. */
  reset(message = 'The sweep was cancelled.') {
    for (const w of this.workers) w?.terminate();
    this.workers = [];
    this.swept = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(message);
  }
}
