/** Typed messages between the page and the sweep worker. */
import type { PoolOptions } from '../../analysis/pooling.ts';
import type { RidgeModel, SweepEntry } from '../../analysis/ridge.ts';
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
    }
  /** Out-of-fold predictions and the all-rows fit of one cell at one α. */
  | { type: 'inspect'; requestId: number; cell: SweepCellId; alpha: number };

export type SweepEvent =
  | { status: 'entry'; requestId: number; entry: SweepEntry; done: number; total: number }
  | { status: 'swept'; requestId: number; entries: SweepEntry[] }
  | { status: 'inspected'; requestId: number; outOfFold: Float64Array; model: RidgeModel }
  | { status: 'error'; requestId: number; message: string };
