// Out-of-fold predictions for the predicted-vs-target picture: each row is predicted by a ridge
// fitted on the other folds (the same seeded folds as ridgeCV), so the scatter shows what CV saw.

import { cvPredictions, type Matrix } from './ridge.ts';

/** Each row's prediction from a ridge at `alpha` fitted on every other fold. */
export function outOfFold(
  x: Matrix,
  y: ArrayLike<number>,
  alpha: number,
  options: { folds?: number; seed?: number } = {},
): Float64Array {
  return cvPredictions(x, y, { ...options, alphas: [alpha] }).predictions[0];
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
