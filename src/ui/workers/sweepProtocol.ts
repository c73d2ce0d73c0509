/** Typed messages between the page and the sweep worker. */
import type { PoolOptions } from '../../analysis/pooling.ts';
import type { RidgeCVResult, RidgeModel, SweepEntry } from '../../analysis/ridge.ts';
import type { SweepCellId } from '../fitRun.ts';
import type { PooledVectors } from '../scoring.ts';

export type SweepRequest =
  | {
      type: 'sweep';
      requestId: number;
      /** Kept by the worker for later `inspect` requests. */
      table: PooledVectors;
      y: Float64Array;
      cells: SweepCellId[];
      poolOptions: PoolOptions;
      folds: number;
      seed: number;
      /** The quick sweep's sketch size (see analysis/sketch.ts); unset fits every cell exactly. */
      sketch?: number;
    }
  /**
   * One cell, exactly: its CV over the α grid (skipped when the sweep's was already exact and is
   * passed as `exactCv`), out-of-fold predictions and the all-rows fit at the best α.
   */
  | { type: 'inspect'; requestId: number; cell: SweepCellId; exactCv?: RidgeCVResult };

export type SweepEvent =
  | { status: 'entry'; requestId: number; entry: SweepEntry; done: number; total: number }
  | { status: 'swept'; requestId: number; entries: SweepEntry[] }
  | {
      status: 'inspected';
      requestId: number;
      cv: RidgeCVResult;
      outOfFold: Float64Array;
      model: RidgeModel;
    }
  | { status: 'error'; requestId: number; message: string };
