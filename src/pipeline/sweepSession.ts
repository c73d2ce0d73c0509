/**
 * The sweep's driver on a pool of workers (sweepWorkers.ts): it deals the cells, then shares of
 * one cell's exact CV, fits, and learned poolings' folds to the workers that hold the feature
 * table. Where the table sits on shared memory (a cross-origin isolated page, or Node) every
 * worker reads it in place and cells are dealt, widest first, to all of them; elsewhere the table
 * moves to a single worker. `sweepConfirmInspect` runs the usual sequence on it; `reset` ends the
 * workers (each cell is one long synchronous fit), and the next call starts fresh ones.
 */
import {
  joinFolds,
  kFold,
  mergeCvPredictions,
  scoreCv,
  scoreFolds,
  type AlphaScore,
  type CvPredictions,
  type RidgeCVResult,
} from '../analysis/cvFolds.ts';
import { cvShares } from '../analysis/cvPlan.ts';
import type { FittedPooling } from '../analysis/learned.ts';
import type { LearnedConfig } from '../analysis/learnedConfig.ts';
import type { RaggedTokenInput } from '../analysis/learnedInput.ts';
import { STRATEGIES, type LearnedStrategy } from '../analysis/pooling.ts';
import type { RidgeModel } from '../analysis/ridge.ts';
import { bestEstimates, withExactCv, type SweepEntry } from '../analysis/sweep.ts';
import type { SweepCellId } from './fitRun.ts';
import { deal, type SweepBody, type SweepWorkers } from './sweepWorkers.ts';

/** A cell's exact CV: its score and every row's held-out prediction at each α of the grid. */
export interface ExactCv {
  cv: RidgeCVResult;
  predictions: CvPredictions;
}

/** A cell fitted exactly: its CV, out-of-fold predictions at the best α (if asked), the model. */
export interface Inspection {
  cv: RidgeCVResult;
  outOfFold: Float64Array | null;
  model: RidgeModel;
}

/** A learned pooling's CV on the sweep's folds: its score and every row's held-out prediction. */
export interface LearnedCv {
  strategy: LearnedStrategy;
  cv: Omit<AlphaScore, 'alpha'>;
  outOfFold: Float64Array;
}

/** The key a cell's exact CV goes by (`strategy@layer`). */
export const cellKey = (c: { strategy: string; layer: number }) => `${c.strategy}@${c.layer}`;

/** Whether an array sits on memory every worker can read in place. */
const isShared = (a: ArrayBufferView) =>
  typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer;

export class SweepSession {
  /** What the last sweep left in the workers: its targets, folds, and how many workers hold it. */
  private swept: { y: Float64Array; folds: number; seed: number; holders: number } | null = null;

  constructor(private readonly workers: SweepWorkers) {}

  private held() {
    if (!this.swept) throw new Error('no sweep has run yet');
    return this.swept;
  }

  /** Asks worker `index` for one share of a cell's exact CV. */
  private cvPart(index: number, body: SweepBody<'cv-part'>): Promise<CvPredictions> {
    return this.workers.request<CvPredictions>(index, body, (e, resolve) => {
      if (e.status === 'cv-part') resolve(e.predictions);
    });
  }

  /**
   * Runs the sweep. A shared table is read by the workers in place; any other table's buffers
   * move to worker 0. The workers keep the table for the requests that follow either way.
   */
  async sweep(
    body: SweepBody<'sweep'>,
    onEntry?: (entry: SweepEntry, done: number, total: number) => void,
  ): Promise<SweepEntry[]> {
    const arrays = Object.values(body.table.pooled);
    const shared = arrays.every(isShared);
    const total = body.cells.length;
    const size = shared ? Math.min(this.workers.size, total) : 1;
    this.swept = { y: body.y, folds: body.folds, seed: body.seed, holders: size };
    if (size <= 1) {
      const transfer = shared ? [] : arrays.map((a) => a.buffer as ArrayBuffer);
      return this.workers.request<SweepEntry[]>(
        0,
        body,
        (e, resolve) => {
          if (e.status === 'entry') onEntry?.(e.entry, e.done, e.total);
          if (e.status === 'swept') resolve(e.entries);
        },
        transfer,
      );
    }
    const width = (i: number) => STRATEGIES[body.cells[i].strategy].outputSize(body.table.hidden);
    const order = body.cells.map((_, i) => i).sort((a, b) => width(b) - width(a));
    const entries = new Array<SweepEntry>(total);
    let done = 0;
    try {
      await deal(order, size, async (i, index) => {
        const [entry] = await this.workers.request<SweepEntry[]>(
          index,
          { ...body, cells: [body.cells[i]] },
          (e, resolve) => {
            if (e.status === 'swept') resolve(e.entries);
          },
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
    const { y, folds, holders } = this.held();
    const exactCv = entry.sketch ? undefined : entry.result;
    const alphas = exactCv ? [exactCv.alpha] : undefined;
    const shares = Math.min(holders, folds);
    const parts = await Promise.all(
      Array.from({ length: shares }, (_, w) =>
        this.cvPart(w, {
          type: 'cv-part',
          cell,
          folds: Array.from({ length: folds }, (_, f) => f).filter((f) => f % shares === w),
          alphas,
        }),
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
   * exact CVs come back by `cellKey`, so selecting one of them only fits it.
   */
  async confirmBest(
    entries: readonly SweepEntry[],
    onStep?: (entries: readonly SweepEntry[], done: number, total: number) => void,
  ): Promise<{ entries: SweepEntry[]; exact: Map<string, ExactCv> }> {
    const { y, folds, holders } = this.held();
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
      parts[job.p].push(await this.cvPart(index, { type: 'cv-part', cell, folds: job.folds }));
      if (--left[job.p] > 0) return;
      const predictions = mergeCvPredictions(parts[job.p]);
      const cv = { cv: scoreCv(predictions, y), predictions };
      exact.set(cellKey(cell), cv);
      current = withExactCv(current, cell, cv.cv);
      onStep?.(current, ++done, picks.length);
    });
    return { entries: current, exact };
  }

  /**
   * One cell fitted exactly: its CV (`known` when `exactCv` has already run for it), out-of-fold
   * predictions at the best α, and the fit on every row at that α. Without `outOfFold`, an exact
   * entry's CV is taken as it stands and no fold is solved again.
   */
  async inspect(
    cell: SweepCellId,
    entry: SweepEntry,
    known?: ExactCv,
    outOfFold = true,
  ): Promise<Inspection> {
    const reuse = !outOfFold && !known && !entry.sketch;
    const exact = reuse ? null : (known ?? (await this.exactCv(cell, entry)));
    const cv = exact?.cv ?? entry.result;
    const model = await this.workers.request<RidgeModel>(
      0,
      { type: 'fit', cell, alpha: cv.alpha },
      (e, resolve) => {
        if (e.status === 'fitted') resolve(e.model);
      },
    );
    const predictions = exact?.predictions;
    const best = predictions && predictions.predictions[predictions.alphas.indexOf(cv.alpha)];
    return { cv, outOfFold: outOfFold ? (best ?? null) : null, model };
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
    const { y, folds, seed, holders } = this.held();
    const fold = kFold(y.length, folds, seed);
    const jobs = strategies.flatMap((strategy) =>
      Array.from({ length: folds }, (_, f) => ({ strategy, f })),
    );
    const total = jobs.length;
    const outOfFold = new Map(strategies.map((s) => [s, new Float64Array(y.length).fill(NaN)]));
    const left = new Map(strategies.map((s) => [s, folds]));
    const results: LearnedCv[] = [];
    let done = 0;
    const run = async (job: (typeof jobs)[number], index: number) => {
      const part = await this.workers.request<Float64Array>(
        index,
        {
          type: 'learned-cv-part',
          strategy: job.strategy,
          folds: [job.f],
          config: configFor(job.strategy),
        },
        (e, resolve) => {
          if (e.status === 'learned-cv-part') resolve(e.predictions);
        },
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
    };
    await deal(jobs, holders, run, () => !!signal?.aborted);
    return strategies.flatMap((s) => results.filter((r) => r.strategy === s));
  }

  /**
   * Hands Conv1D's tokens to every worker that holds the table: read in place where they sit on
   * shared memory, moved to the one worker otherwise.
   */
  async holdTokens(tokens: RaggedTokenInput): Promise<void> {
    const { holders } = this.held();
    const shared = isShared(tokens.data);
    await Promise.all(
      Array.from({ length: shared ? holders : 1 }, (_, w) =>
        this.workers.request<void>(
          w,
          { type: 'tokens', tokens },
          (e, resolve) => {
            if (e.status === 'tokens-held') resolve();
          },
          shared ? [] : [tokens.data.buffer as ArrayBuffer],
        ),
      ),
    );
  }

  /** A learned pooling fitted on every row of the sweep's table. */
  async learnedFit(
    strategy: LearnedStrategy,
    config: Partial<LearnedConfig>,
  ): Promise<FittedPooling> {
    this.held();
    return this.workers.request<FittedPooling>(
      0,
      { type: 'learned-fit', strategy, config },
      (e, resolve) => {
        if (e.status === 'learned-fitted') resolve(e.fitted);
      },
    );
  }

  /** Ends the workers and fails whatever was pending with `message`. */
  reset(message = 'The sweep was cancelled.'): void {
    this.swept = null;
    this.workers.reset(message);
  }
}
