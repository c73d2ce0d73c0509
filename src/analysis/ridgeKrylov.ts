// Ridge by Lanczos over the raw rows (krylov.ts), where even the dual kernel would cost several
// times a Lanczos run (concat-last-4's 3,072 features on 2,400 rows). The rows are read in place,
// standardised as they are read, and a CV's folds run in step, so that one pass over the rows
// serves every fold. A run that does not converge within about the direct solve's cost hands its
// fold back to the caller, which solves it directly.

import {
  krylovRidge,
  krylovRidgeFolds,
  rowsOperator,
  rowsOperators,
  rowsTransposeTimes,
  type StandardisedRows,
} from './krylov.ts';
import { pooledScaler, rowMoments, type Matrix, type RowMoments } from './matrix.ts';
import { toRaw } from './ridgeDirect.ts';
import type { Kernels } from './simd.ts';

/** A block of rows of x and their moments about the column means. */
interface Block {
  rows: Int32Array;
  moments: RowMoments;
}

/**
 * A training set: the rows of some blocks of x, read in place, with the scaler fitted on them (from
 * the blocks' moments about `shift`), and their targets centred on their mean.
 */
function trainingSet(
  x: Matrix,
  y: ArrayLike<number>,
  blocks: readonly Block[],
  shift: Float64Array,
  standardise = true,
) {
  const rows = Int32Array.from(blocks.flatMap((b) => [...b.rows]));
  const { mean, std, meanY } = pooledScaler(
    blocks.map((b) => b.moments),
    standardise,
  );
  for (let k = 0; k < x.cols; k++) mean[k] += shift[k];
  const c = Float64Array.from(rows, (r) => y[r] - meanY);
  const z: StandardisedRows = { x, rows, mean, std };
  return { z, c, meanY };
}

/** A fold's held-out predictions per α from its z-unit weights, into `predictions` at its rows. */
function predictHeldOut(
  set: ReturnType<typeof trainingSet>,
  weights: Float64Array[],
  held: Int32Array,
  predictions: Float64Array[],
): void {
  const { z, meanY } = set;
  const { x } = z;
  const d = x.cols;
  // Raw-unit slopes, so each held-out row is read once, in place, for every α.
  const raw = weights.map((w) => toRaw(w, { mean: z.mean, std: z.std, meanY }));
  for (const r of held) {
    const base = r * d;
    raw.forEach(({ beta, offset }, a) => {
      let sum = offset;
      for (let k = 0; k < d; k++) sum += x.data[base + k] * beta[k];
      predictions[a][r] = sum;
    });
  }
}

/** How the Krylov CV solves its folds. */
export interface KrylovCvSetup {
  alphas: readonly number[];
  /** Cap on a fold's Lanczos steps; a fold not converged by then is handed back. */
  maxSteps: number;
  standardise?: boolean;
  kernels: Kernels;
}

/**
 * The held-out predictions of the folds `held` (indices into `folds`, the rows of each fold),
 * written into `predictions` ([alphas][rows]) at their rows; returns the folds that did not
 * converge within the cap, left unwritten. Each fold block's sums are taken once, about `shift`
 * (the column means); a training set's scaler is its other blocks' sums.
 */
export function krylovCv(
  x: Matrix,
  y: ArrayLike<number>,
  folds: readonly Int32Array[],
  held: readonly number[],
  shift: Float64Array,
  setup: KrylovCvSetup,
  predictions: Float64Array[],
): number[] {
  const { alphas, kernels } = setup;
  const blocks = folds.map((rows) => ({ rows, moments: rowMoments(x, y, rows, shift) }));
  const sets = held.map((f) =>
    trainingSet(
      x,
      y,
      blocks.filter((_, g) => g !== f),
      shift,
      setup.standardise,
    ),
  );
  // The rows are passed over fold by fold, the same order whichever folds are held out, so a
  // share's predictions are those of the whole CV to the last bit.
  const order = Int32Array.from(folds.flatMap((rows) => [...rows]));
  const solved = krylovRidgeFolds(
    rowsOperators(
      sets.map((s) => s.z),
      kernels,
      order,
    ),
    sets.map(({ z, c }) => rowsTransposeTimes(z, c)),
    alphas,
    setup.maxSteps,
    kernels,
  );
  const unsolved: number[] = [];
  held.forEach((f, i) => {
    const weights = solved[i]?.weights;
    if (weights) predictHeldOut(sets[i], weights, folds[f], predictions);
    else unsolved.push(f);
  });
  return unsolved;
}

/**
 * A fit on every row at one α by Lanczos over the rows: z-unit weights, the scaler (raw units) and
 * the targets' mean; null when it does not converge within `maxSteps`.
 */
export function krylovFit(
  x: Matrix,
  y: ArrayLike<number>,
  alpha: number,
  shift: Float64Array,
  maxSteps: number,
  kernels: Kernels,
): { mean: Float64Array; std: Float64Array; meanY: number; weights: Float64Array } | null {
  const all = Int32Array.from({ length: x.rows }, (_, i) => i);
  const { z, c, meanY } = trainingSet(
    x,
    y,
    [{ rows: all, moments: rowMoments(x, y, all, shift) }],
    shift,
  );
  const operator = rowsOperator(z, kernels);
  const solved = krylovRidge(operator, rowsTransposeTimes(z, c), [alpha], maxSteps, kernels);
  return solved && { mean: z.mean, std: z.std, meanY, weights: solved.weights[0] };
}
