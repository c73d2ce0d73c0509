/**
 * Typed messages between the sweep's driver (`SweepSession`) and its workers: Web Workers in the
 * tab, worker threads in Node, or the handler run in place. Every worker runs `sweepHandler.ts`.
 */
import type { CvPredictions } from '../analysis/cvFolds.ts';
import type { FittedPooling } from '../analysis/learned.ts';
import type { LearnedConfig } from '../analysis/learnedConfig.ts';
import type { RaggedTokenInput } from '../analysis/learnedInput.ts';
import type { LearnedStrategy, PoolOptions } from '../analysis/pooling.ts';
import type { RidgeModel } from '../analysis/ridge.ts';
import type { SweepEntry } from '../analysis/sweep.ts';
import type { SweepCellId } from './fitRun.ts';
import type { PooledVectors } from './scoring.ts';

export type SweepRequest =
  | {
      type: 'sweep';
      requestId: number;
      /** Kept by the worker for the requests that follow. */
      table: PooledVectors;
      y: Float64Array;
      cells: SweepCellId[];
      poolOptions: PoolOptions;
      folds: number;
      seed: number;
      /** The quick sweep's sketch size (see analysis/sketch.ts); unset fits every cell exactly. */
      sketch?: number;
    }
  /** A share of one cell's exact CV: these folds held out in turn, at the α grid or `alphas`. */
  | {
      type: 'cv-part';
      requestId: number;
      cell: SweepCellId;
      folds: number[];
      alphas?: number[];
    }
  /** One cell's exact fit on every row at one α. */
  | { type: 'fit'; requestId: number; cell: SweepCellId; alpha: number }
  /** Every text's reduced last-layer tokens, kept beside the table for Conv1D. */
  | { type: 'tokens'; requestId: number; tokens: RaggedTokenInput }
  /** A share of a learned pooling's CV on the sweep's folds: these folds held out in turn. */
  | {
      type: 'learned-cv-part';
      requestId: number;
      strategy: LearnedStrategy;
      folds: number[];
      config: Partial<LearnedConfig>;
    }
  /** A learned pooling fitted on every row. */
  | {
      type: 'learned-fit';
      requestId: number;
      strategy: LearnedStrategy;
      config: Partial<LearnedConfig>;
    };

export type SweepEvent =
  | { status: 'entry'; requestId: number; entry: SweepEntry; done: number; total: number }
  | { status: 'swept'; requestId: number; entries: SweepEntry[] }
  | { status: 'cv-part'; requestId: number; predictions: CvPredictions }
  | { status: 'fitted'; requestId: number; model: RidgeModel }
  /** Held-out predictions for the share's folds; NaN for every other row. */
  | { status: 'learned-cv-part'; requestId: number; predictions: Float64Array }
  | { status: 'learned-fitted'; requestId: number; fitted: FittedPooling }
  | { status: 'tokens-held'; requestId: number }
  | { status: 'error'; requestId: number; message: string };
