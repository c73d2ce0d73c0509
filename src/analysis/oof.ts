// The two error figures the Fit view and the CLI put beside a head: its RMSE, and the RMSE of
// always predicting the mean (out-of-fold predictions themselves come from crossValidate.ts).

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
