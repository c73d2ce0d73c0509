// Out-of-fold predictions for the predicted-vs-target picture: each row is predicted by a ridge
// fitted on the other folds (the same seeded folds as ridgeCV), so the scatter shows what CV saw.

import {
  DEFAULT_FOLDS,
  DEFAULT_SEED,
  fitRidge,
  kFold,
  predictRidge,
  type Matrix,
} from './ridge.ts';

/** The rows of a matrix picked by index, in that order. */
export function selectRows(x: Matrix, rows: ArrayLike<number>): Matrix {
  const data = new Float64Array(rows.length * x.cols); // [rows.length, cols]
  for (let r = 0; r < rows.length; r++) {
    const from = rows[r] * x.cols;
    for (let k = 0; k < x.cols; k++) data[r * x.cols + k] = x.data[from + k];
  }
  return { data, rows: rows.length, cols: x.cols };
}

/** Each row's prediction from a ridge at `alpha` fitted on every other fold. */
export function outOfFold(
  x: Matrix,
  y: ArrayLike<number>,
  alpha: number,
  options: { folds?: number; seed?: number } = {},
): Float64Array {
  const folds = options.folds ?? DEFAULT_FOLDS;
  const id = kFold(x.rows, folds, options.seed ?? DEFAULT_SEED);
  const out = new Float64Array(x.rows);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const held: number[] = [];
    for (let i = 0; i < x.rows; i++) (id[i] === f ? held : train).push(i);
    const model = fitRidge(
      selectRows(x, train),
      train.map((i) => y[i]),
      alpha,
    );
    const pred = predictRidge(model, selectRows(x, held));
    held.forEach((i, r) => (out[i] = pred[r]));
  }
  return out;
}

/** RMSE of always predicting the mean target: the bar any head has to clear. */
export function meanPredictorRmse(y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length || 1;
  let sse = 0;
  for (let i = 0; i < y.length; i++) sse += (y[i] - mean) ** 2;
  return Math.sqrt(sse / (y.length || 1));
}

/** Root mean squared error between predictions and targets. */
export function rmse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let sse = 0;
  for (let i = 0; i < y.length; i++) sse += (pred[i] - y[i]) ** 2;
  return Math.sqrt(sse / (y.length || 1));
}
