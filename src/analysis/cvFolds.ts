// The folds of k-fold CV and what comes back from them: every row's held-out prediction for each α,
// possibly in shares (some folds each, NaN in the rows of the others) that workers computed apart
// and that join into the whole; and the scores read off it.

import type { CvMode } from './cvPlan.ts';
import { permutation } from './rng.ts';

/** Fold id of each row: a seeded shuffle dealt round-robin, so fold sizes differ by at most one. */
export function kFold(rows: number, folds: number, seed: number): Int32Array {
  if (folds < 2 || folds > rows)
    throw new RangeError(`need 2 ≤ folds ≤ rows, got ${folds} for ${rows}`);
  const perm = permutation(rows, seed);
  const id = new Int32Array(rows);
  for (let i = 0; i < rows; i++) id[perm[i]] = i % folds;
  return id;
}

/** Each fold's rows, in row order. */
export function foldRows(fold: Int32Array, folds: number): Int32Array[] {
  return Array.from({ length: folds }, (_, f) => {
    const rows: number[] = [];
    for (let i = 0; i < fold.length; i++) if (fold[i] === f) rows.push(i);
    return Int32Array.from(rows);
  });
}

/** Every row's held-out prediction for each α of the grid: what k-fold CV scores. */
export interface CvPredictions {
  alphas: readonly number[];
  folds: number;
  /** Fold of each row. */
  fold: Int32Array;
  /** [alphas][rows]: each row predicted by the model fitted on the other folds (NaN: not in this share). */
  predictions: Float64Array[];
  mode: CvMode;
}

/** CV score of one α: RMSE averaged over folds and its spread (population std across folds). */
export interface AlphaScore {
  alpha: number;
  rmse: number;
  rmseStd: number;
  foldRmse: number[];
}

/** Result of k-fold CV over an α grid; the top-level fields are the best α's. */
export interface RidgeCVResult extends AlphaScore {
  scores: AlphaScore[];
  mode: CvMode;
}

/** Copies a share's held-out predictions (NaN where it predicted nothing) into the whole CV's. */
export function joinFolds(into: Float64Array, part: ArrayLike<number>): void {
  for (let r = 0; r < into.length; r++) if (!Number.isNaN(part[r])) into[r] = part[r];
}

/** Joins shares of one CV (each with some folds predicted) into the whole; every row must be covered. */
export function mergeCvPredictions(parts: readonly CvPredictions[]): CvPredictions {
  const [first] = parts;
  const predictions = first.predictions.map((p, a) => {
    const whole = new Float64Array(p.length).fill(NaN);
    for (const part of parts) joinFolds(whole, part.predictions[a]);
    const missing = whole.findIndex(Number.isNaN);
    if (missing >= 0)
      throw new RangeError(
        `row ${missing} (fold ${first.fold[missing]}) was predicted by no share of the CV`,
      );
    return whole;
  });
  return { ...first, predictions };
}

/** RMSE of held-out predictions per fold, their mean and their spread (population std). */
export function scoreFolds(
  pred: ArrayLike<number>,
  y: ArrayLike<number>,
  fold: Int32Array,
  folds: number,
): Omit<AlphaScore, 'alpha'> {
  const sse = new Float64Array(folds);
  const count = new Float64Array(folds);
  for (let i = 0; i < y.length; i++) {
    sse[fold[i]] += (pred[i] - y[i]) ** 2;
    count[fold[i]]++;
  }
  const foldRmse = Array.from(sse, (v, f) => Math.sqrt(v / count[f]));
  const rmse = foldRmse.reduce((s, v) => s + v, 0) / folds;
  const rmseStd = Math.sqrt(foldRmse.reduce((s, v) => s + (v - rmse) ** 2, 0) / folds);
  return { rmse, rmseStd, foldRmse };
}

/** Scores CV predictions: RMSE per fold, their mean and spread per α, and the best α. */
export function scoreCv(cv: CvPredictions, y: ArrayLike<number>): RidgeCVResult {
  const { alphas, folds, fold, predictions, mode } = cv;
  const scores = alphas.map((alpha, a): AlphaScore => ({
    alpha,
    ...scoreFolds(predictions[a], y, fold, folds),
  }));
  const best = scores.reduce((b, s) => (s.rmse < b.rmse ? s : b));
  return { ...best, scores, mode };
}
