// Learned poolings fitted on frozen features, each with a linear head and MSE loss, trained with
// Adam from a seeded initialisation (the models are in learnedModels.ts, their inputs in
// learnedInput.ts), predicted with, and cross-validated on the same folds as ridge. Features are
// standardised and targets z-scored on the training rows, so one learning rate works.

import { kFold } from './cvFolds.ts';
import { DEFAULT_LEARNED_CONFIG, type LearnedConfig } from './learnedConfig.ts';
import {
  allRows,
  checkInput,
  checkRows,
  featureScaler,
  prepare,
  type LearnedInput,
  type Prepared,
} from './learnedInput.ts';
import { buildModel, isRecurrent, principalProjection, softmax } from './learnedModels.ts';
import type { LearnedStrategy } from './pooling.ts';
import { makeNormal, permutation } from './rng.ts';

/** A fitted learned pooling with its head, scalers and training curve. */
export interface FittedPooling {
  strategy: LearnedStrategy;
  config: LearnedConfig;
  params: Float64Array;
  featureMean: Float64Array; // [hidden], shared across layers/tokens so layer weights stay comparable
  featureStd: Float64Array; // [hidden]
  targetMean: number;
  targetStd: number;
  /** LSTM/GRU: the principal directions [min(projection, hidden), hidden] each CLS is reduced to. */
  projection?: Float64Array;
  /** MSE in target units per epoch: training as the epoch's minibatches went by, validation after. */
  history: { train: number[]; validation: number[] };
}

/** Mean squared error (z-scored targets) over `rows` and its gradient; exposed for gradient checks. */
export function lossAndGradient(
  strategy: LearnedStrategy,
  input: LearnedInput,
  y: ArrayLike<number>, // already z-scored
  params: Float64Array,
  options: Partial<LearnedConfig> = {},
): { loss: number; grad: Float64Array } {
  const cfg = { ...DEFAULT_LEARNED_CONFIG, ...options };
  checkInput(strategy, input, cfg);
  const ones = new Float64Array(input.hidden).fill(1);
  const d = prepare(input, cfg, new Float64Array(input.hidden), ones);
  const model = buildModel(strategy, d, cfg);
  const grad = new Float64Array(model.size);
  let loss = 0;
  for (let i = 0; i < input.batch; i++) {
    model.run(params, i, grad, (yhat) => {
      loss += (yhat - y[i]) ** 2 / input.batch;
      return (2 * (yhat - y[i])) / input.batch;
    });
  }
  return { loss, grad };
}

/**
 * How many parameters a strategy has: layer-wise ones on `layers` hidden states of size `hidden`,
 * Conv1D on token states of size `hidden` (`layers` unused).
 */
export function learnedParamCount(
  strategy: LearnedStrategy,
  layers: number,
  hidden: number,
  options: Partial<LearnedConfig> = {},
): number {
  const cfg = { ...DEFAULT_LEARNED_CONFIG, ...options };
  const tokens = strategy === 'conv1d';
  if (!tokens && (cfg.layerStart < 0 || cfg.layerStart >= layers))
    throw new RangeError(`layerStart ${cfg.layerStart} is outside 0..${layers - 1}`);
  const empty: Prepared = {
    rows: 0,
    steps: tokens ? 0 : layers - cfg.layerStart,
    dim: hidden,
    x: new Float64Array(0),
    offsets: tokens ? new Int32Array(1) : null,
    real: tokens ? new Uint8Array(0) : null,
  };
  const projection = new Float64Array(Math.min(cfg.projection, hidden) * hidden); // only its size counts
  return buildModel(strategy, empty, cfg, projection).size;
}

/** Number of parameters and a seeded initial vector for a strategy on an input; for tests and UI. */
export function initialParams(
  strategy: LearnedStrategy,
  input: LearnedInput,
  options: Partial<LearnedConfig> = {},
) {
  const cfg = { ...DEFAULT_LEARNED_CONFIG, ...options };
  checkInput(strategy, input, cfg);
  const d = prepare(
    input,
    cfg,
    new Float64Array(input.hidden),
    new Float64Array(input.hidden).fill(1),
  );
  return buildModel(strategy, d, cfg).init(makeNormal(cfg.seed));
}

/**
 * Fits a learned pooling + linear head with Adam on minibatches; optional early stopping. With
 * `rows`, only those input rows are used (scaler, targets, training and validation split), exactly
 * as if the input held just them in that order: what k-fold CV fits on each training fold.
 */
export function fitLearned(
  strategy: LearnedStrategy,
  input: LearnedInput,
  y: ArrayLike<number>, // one target per input row
  options: Partial<LearnedConfig> = {},
  rows: Int32Array = allRows(input.batch),
): FittedPooling {
  const cfg = { ...DEFAULT_LEARNED_CONFIG, ...options };
  checkInput(strategy, input, cfg);
  if (y.length !== input.batch) throw new RangeError(`${y.length} targets for ${input.batch} rows`);
  checkRows(rows, input.batch);
  const n = rows.length;
  // Positions 0..n-1 stand for input rows rows[0..n-1] from here on.
  const order = permutation(n, cfg.seed);
  const nVal = Math.floor(n * cfg.validationFraction);
  const valRows = order.subarray(0, nVal);
  const trainRows = order.subarray(nVal);
  const { mean, std } = featureScaler(
    input,
    cfg,
    trainRows.map((i) => rows[i]),
  );
  let ty = 0;
  for (const i of trainRows) ty += y[rows[i]];
  ty /= trainRows.length;
  let tv = 0;
  for (const i of trainRows) tv += (y[rows[i]] - ty) ** 2;
  const ts = Math.sqrt(tv / trainRows.length) || 1;
  const z = Float64Array.from(rows, (r) => (y[r] - ty) / ts);

  const d = prepare(input, cfg, mean, std, rows);
  const projection = isRecurrent(strategy) ? principalProjection(d, cfg, trainRows) : undefined;
  const model = buildModel(strategy, d, cfg, projection);
  let params = model.init(makeNormal(cfg.seed));
  const m1 = new Float64Array(model.size);
  const m2 = new Float64Array(model.size);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let step = 0;
  const mse = (rows: Int32Array) => {
    let s = 0;
    for (const i of rows) s += (model.run(params, i, null, () => 0) - z[i]) ** 2;
    return (s / rows.length) * ts * ts;
  };
  const history = { train: [] as number[], validation: [] as number[] };
  let best = { loss: Infinity, params, epoch: 0 };
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    const shuffled = permutation(trainRows.length, cfg.seed + epoch + 1).map((k) => trainRows[k]);
    let sse = 0; // the epoch's training loss, summed as its minibatches go by
    for (let start = 0; start < shuffled.length; start += cfg.batchSize) {
      const rows = shuffled.subarray(start, start + cfg.batchSize);
      const grad = new Float64Array(model.size);
      for (const i of rows)
        model.run(params, i, grad, (yhat) => {
          sse += (yhat - z[i]) ** 2;
          return (2 * (yhat - z[i])) / rows.length;
        });
      step++;
      const next = params.slice();
      const c1 = 1 - b1 ** step;
      const c2 = 1 - b2 ** step;
      for (let k = 0; k < model.size; k++) {
        m1[k] = b1 * m1[k] + (1 - b1) * grad[k];
        m2[k] = b2 * m2[k] + (1 - b2) * grad[k] ** 2;
        next[k] -= (cfg.learningRate * (m1[k] / c1)) / (Math.sqrt(m2[k] / c2) + eps);
      }
      params = next;
    }
    history.train.push((sse / trainRows.length) * ts * ts);
    if (nVal > 0) {
      const v = mse(valRows);
      history.validation.push(v);
      if (v < best.loss) best = { loss: v, params, epoch };
      else if (epoch - best.epoch >= cfg.patience) break;
    }
  }
  if (nVal > 0) params = best.params;
  return {
    strategy,
    config: cfg,
    params,
    featureMean: mean,
    featureStd: std,
    targetMean: ty,
    targetStd: ts,
    ...(projection && { projection }),
    history,
  };
}

/**
 * Predictions of a fitted learned pooling for the input's rows (all, or `rows` in that order); the
 * input must have the layout it was fitted on.
 */
export function predictLearned(
  fitted: FittedPooling,
  input: LearnedInput,
  rows: Int32Array = allRows(input.batch),
): Float64Array {
  checkInput(fitted.strategy, input, fitted.config);
  checkRows(rows, input.batch);
  if (isRecurrent(fitted.strategy) && !fitted.projection)
    throw new RangeError(`a fitted ${fitted.strategy} needs the projection it was fitted with`);
  const d = prepare(input, fitted.config, fitted.featureMean, fitted.featureStd, rows);
  const model = buildModel(fitted.strategy, d, fitted.config, fitted.projection);
  if (model.size !== fitted.params.length)
    throw new RangeError('input shape does not match the fitted model');
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++)
    out[i] = fitted.targetMean + fitted.targetStd * model.run(fitted.params, i, null, () => 0);
  return out;
}

/**
 * k-fold CV of a learned pooling on the same folds as ridge's `crossValidate` for a seed: every
 * row's prediction by the model fitted on the other folds. With `onlyFolds`, only those folds are
 * held out (other rows stay NaN), so the folds can be shared out among workers.
 */
export function learnedCvPredictions(
  strategy: LearnedStrategy,
  input: LearnedInput,
  y: ArrayLike<number>,
  split: { folds: number; seed: number },
  options: Partial<LearnedConfig> = {},
  onlyFolds?: readonly number[],
  /** Hears each fold once it is predicted. */
  onFold?: (fold: number) => void,
): { fold: Int32Array; predictions: Float64Array } {
  const fold = kFold(input.batch, split.folds, split.seed);
  const predictions = new Float64Array(input.batch).fill(NaN);
  for (let f = 0; f < split.folds; f++) {
    if (onlyFolds && !onlyFolds.includes(f)) continue;
    const train: number[] = [];
    const held: number[] = [];
    fold.forEach((g, i) => (g === f ? held : train).push(i));
    const fitted = fitLearned(strategy, input, y, options, Int32Array.from(train));
    const heldRows = Int32Array.from(held);
    predictLearned(fitted, input, heldRows).forEach((p, k) => (predictions[heldRows[k]] = p));
    onFold?.(f);
  }
  return { fold, predictions };
}

/** Learned per-layer weights (softmax) of a fitted weighted layer pooling, from layerStart on. */
export function learnedLayerWeights(fitted: FittedPooling, layers: number): Float64Array {
  if (fitted.strategy !== 'weighted-learned')
    throw new TypeError('only weighted-learned has layer weights');
  return softmax(fitted.params.subarray(0, layers - fitted.config.layerStart));
}
