// k-fold cross-validation of standardised ridge over a grid of regularisation strengths: the one
// entry point every cell of the sweep, every exact confirmation and every share of one a worker
// computes goes through. The scaler is fitted on each training fold only. `cvPlan.ts` decides how
// each fold is solved (directly in `ridgeDirect.ts`, or by Lanczos over the rows in
// `ridgeKrylov.ts`, which hands unconverged folds back to the direct solve), and the products run
// on the kernels passed in (simd.ts), by default the WebAssembly SIMD ones where the runtime has
// them. Everything is solved exactly, to rounding or a stated residual.

import { cvMode, krylovStepLimit, largestTrainingFold, type Solver } from './cvPlan.ts';
import { foldRows, kFold, scoreCv, type CvPredictions, type RidgeCVResult } from './cvFolds.ts';
import { columnMeans, type Matrix } from './matrix.ts';
import { directCv } from './ridgeDirect.ts';
import { krylovCv } from './ridgeKrylov.ts';
import { simdKernels, type Kernels } from './simd.ts';

/** Options for cross-validation. */
export interface RidgeCVOptions {
  alphas?: readonly number[];
  folds?: number;
  seed?: number;
  /** Scale each feature to unit variance on the training fold (default); false only centres. */
  standardise?: boolean;
  /** How the folds are solved (default 'auto': see `cvMode`). */
  solver?: Solver;
  /** Cap on a fold's Lanczos steps (default: about the direct solve's cost); beyond it, direct. */
  maxKrylovSteps?: number;
  /** The loops the solves run on (default: the SIMD kernels where the runtime has them). */
  kernels?: Kernels;
}

/** α grid wide enough for standardised transformer features (α is on the summed squared loss). */
export const DEFAULT_ALPHAS: readonly number[] = [
  0.1, 1, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5,
];
export const DEFAULT_FOLDS = 5;
export const DEFAULT_SEED = 42;

/** Throws unless x holds rows × cols values and y one target per row. */
export function checkInputs(x: Matrix, y: ArrayLike<number>): void {
  if (x.data.length !== x.rows * x.cols)
    throw new RangeError(`matrix holds ${x.data.length} values, not ${x.rows}×${x.cols}`);
  if (y.length !== x.rows) throw new RangeError(`${y.length} targets for ${x.rows} rows`);
}

/** Throws unless every α is finite and positive. */
export function checkAlphas(alphas: readonly number[]): void {
  if (!alphas.length || alphas.some((a) => !(a > 0) || !Number.isFinite(a)))
    throw new RangeError('alphas must be finite and > 0');
}

/**
 * k-fold CV predictions of standardised ridge over an α grid; deterministic for a seed. With
 * `onlyFolds`, only those folds are held out and predicted, the other rows left NaN: a share of
 * the work, whose predictions are the whole CV's for its rows (cvFolds.ts `mergeCvPredictions`).
 */
export function crossValidate(
  x: Matrix,
  y: ArrayLike<number>,
  options: RidgeCVOptions = {},
  onlyFolds?: readonly number[],
): CvPredictions {
  checkInputs(x, y);
  const alphas = options.alphas ?? DEFAULT_ALPHAS;
  checkAlphas(alphas);
  const folds = options.folds ?? DEFAULT_FOLDS;
  const kernels = options.kernels === undefined ? simdKernels() : options.kernels;
  const fold = kFold(x.rows, folds, options.seed ?? DEFAULT_SEED);
  const rows = foldRows(fold, folds);
  const mode = cvMode(x.cols, x.rows, folds, options.solver);
  const predictions = alphas.map(() => new Float64Array(x.rows).fill(onlyFolds ? NaN : 0));
  const held = onlyFolds ?? rows.map((_, f) => f);
  const shift = columnMeans(x);
  const { standardise } = options;

  if (mode === 'krylov') {
    const maxSteps =
      options.maxKrylovSteps ??
      krylovStepLimit(x.cols, largestTrainingFold(x.rows, folds), x.rows / folds, kernels);
    const setup = { alphas, maxSteps, standardise, kernels };
    const unsolved = krylovCv(x, y, rows, held, shift, setup, predictions);
    // Folds not converged within the cap are solved directly, as they would have been: in one
    // call, so that its block sums and Gram or kernels are built once for all of them.
    if (unsolved.length) {
      const direct = crossValidate(x, y, { ...options, kernels, solver: 'direct' }, unsolved);
      for (const f of unsolved)
        direct.predictions.forEach((p, a) => rows[f].forEach((r) => (predictions[a][r] = p[r])));
    }
    return { alphas, folds, fold, predictions, mode };
  }

  const mayUseKrylov = options.solver !== 'direct';
  directCv(
    x,
    y,
    rows,
    held,
    shift,
    { mode, alphas, standardise, mayUseKrylov, kernels },
    predictions,
  );
  return { alphas, folds, fold, predictions, mode };
}

/** k-fold CV of standardised ridge over an α grid, scored: `crossValidate`'s RMSEs and best α. */
export function ridgeCV(
  x: Matrix,
  y: ArrayLike<number>,
  options: RidgeCVOptions = {},
): RidgeCVResult {
  return scoreCv(crossValidate(x, y, options), y);
}
