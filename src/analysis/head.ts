// Regression heads as versioned JSON: what was fitted, for which model, and how well it did.
// Two kinds: a ridge head on a parameter-free pooling (files without a `kind` are these), and a
// learned pooling with its linear head (`kind: 'learned'`). `validateHead` is the gate for imported
// files: every field is checked, sizes must agree, and nothing but plain numbers and strings gets
// through.

import { learnedParamCount, type FittedPooling } from './learned.ts';
import { DEFAULT_LEARNED_CONFIG, type LearnedConfig } from './learnedConfig.ts';
import {
  LAYERWISE_LEARNED_STRATEGIES,
  STRATEGIES,
  type LearnedStrategy,
  type ParameterFreeStrategy,
  type PoolOptions,
  type PoolingStrategy,
} from './pooling.ts';
import type { AlphaScore, RidgeCVResult } from './cvFolds.ts';
import type { RidgeModel } from './ridge.ts';
import { DTYPES, type Dtype } from '../engine/dtypes.ts';

export const HEAD_VERSION = 1;

/** Weight formats a model can be loaded in; a head fitted on one is only valid for that one. */
export { DTYPES, type Dtype };

/** Strategies a head can sit on: the parameter-free ones and a trained pooler. */
export type HeadStrategy = ParameterFreeStrategy | 'pooler';

/** A ridge head, version 1. Weights are in standardised units: ŷ = bias + Σ ((x − mean)/std)·w. */
export interface RidgeHead {
  version: typeof HEAD_VERSION;
  kind?: 'ridge';
  modelId: string;
  dtype: Dtype;
  hidden: number;
  strategy: HeadStrategy;
  layer: number;
  poolOptions: PoolOptions;
  scaler: { mean: number[]; std: number[] };
  weights: number[];
  bias: number;
  alpha: number;
  cvRmse: number;
  cvRmseStd: number;
  folds: number;
  rows: number;
  /** What the head was fitted on, when it says (e.g. a subset of the CLEAR corpus), for display. */
  trainedOn?: string;
  createdAt: string; // ISO 8601
}

/**
 * A learned pooling with the linear head fitted with it (see learned.ts): over the layers' CLS
 * vectors from `poolOptions.layerStart` to `layer` (the last), or, for Conv1D, over the token
 * states of `layer` reduced to `tokenProjection`. Its parameters are in the units of the features
 * standardised by `featureMean`/`featureStd`, predicting z-scored targets.
 */
export interface LearnedHead {
  version: typeof HEAD_VERSION;
  kind: 'learned';
  modelId: string;
  dtype: Dtype;
  hidden: number;
  strategy: LearnedStrategy;
  layer: number;
  poolOptions: { layerStart: number };
  config: LearnedConfig;
  params: number[];
  featureMean: number[]; // [hidden]; Conv1D: [min(config.projection, hidden)]
  featureStd: number[]; // the same size
  targetMean: number;
  targetStd: number;
  /** LSTM and GRU only: the principal directions [min(projection, hidden), hidden] they read. */
  projection?: number[];
  /**
   * Conv1D only: the directions [min(config.projection, hidden), hidden] each raw token state is
   * reduced to before anything else (see `tokenDirections`).
   */
  tokenProjection?: number[];
  cvRmse: number;
  cvRmseStd: number;
  folds: number;
  rows: number;
  /** What the head was fitted on, when it says (e.g. a subset of the CLEAR corpus), for display. */
  trainedOn?: string;
  createdAt: string; // ISO 8601
}

/** Any head: ridge on a parameter-free pooling, or a learned pooling. */
export type Head = RidgeHead | LearnedHead;

/** The model a head would be used with. */
export interface LoadedModel {
  modelId: string;
  dtype: Dtype;
  hidden: number;
}

/** Builds a head from a ridge fit and its cross-validation. */
export function createHead(args: {
  model: LoadedModel;
  strategy: HeadStrategy;
  layer: number;
  poolOptions?: PoolOptions;
  ridge: RidgeModel;
  cv: RidgeCVResult;
  rows: number;
  trainedOn?: string;
  createdAt?: Date;
}): RidgeHead {
  const { model, ridge, cv } = args;
  return {
    version: HEAD_VERSION,
    modelId: model.modelId,
    dtype: model.dtype,
    hidden: model.hidden,
    strategy: args.strategy,
    layer: args.layer,
    poolOptions: { ...args.poolOptions },
    scaler: { mean: Array.from(ridge.scaler.mean), std: Array.from(ridge.scaler.std) },
    weights: Array.from(ridge.weights),
    bias: ridge.bias,
    alpha: ridge.alpha,
    cvRmse: cv.rmse,
    cvRmseStd: cv.rmseStd,
    folds: cv.foldRmse.length,
    rows: args.rows,
    ...(args.trainedOn !== undefined && { trainedOn: args.trainedOn }),
    createdAt: (args.createdAt ?? new Date()).toISOString(),
  };
}

/** Builds a head from a learned pooling fitted on every row, and its cross-validation. */
export function createLearnedHead(args: {
  model: LoadedModel;
  /** Hidden states the pooling read (the model's layers): it reads up to the last one. */
  layers: number;
  fitted: FittedPooling;
  /** Conv1D: the directions [dim, hidden] its token states were reduced to. */
  tokenProjection?: ArrayLike<number>;
  cv: Omit<AlphaScore, 'alpha'>;
  rows: number;
  createdAt?: Date;
}): LearnedHead {
  const { model, fitted, cv, tokenProjection } = args;
  if ((fitted.strategy === 'conv1d') !== (tokenProjection !== undefined))
    throw new TypeError('conv1d, and only conv1d, needs the token projection it was fitted on');
  return {
    version: HEAD_VERSION,
    kind: 'learned',
    modelId: model.modelId,
    dtype: model.dtype,
    hidden: model.hidden,
    strategy: fitted.strategy,
    layer: args.layers - 1,
    poolOptions: { layerStart: fitted.config.layerStart },
    config: { ...fitted.config },
    params: Array.from(fitted.params),
    featureMean: Array.from(fitted.featureMean),
    featureStd: Array.from(fitted.featureStd),
    targetMean: fitted.targetMean,
    targetStd: fitted.targetStd,
    ...(fitted.projection && { projection: Array.from(fitted.projection) }),
    ...(tokenProjection && { tokenProjection: Array.from(tokenProjection) }),
    cvRmse: cv.rmse,
    cvRmseStd: cv.rmseStd,
    folds: cv.foldRmse.length,
    rows: args.rows,
    createdAt: (args.createdAt ?? new Date()).toISOString(),
  };
}

/** The fitted pooling a learned head carries, ready for `predictLearned`. */
export function learnedFromHead(head: LearnedHead): FittedPooling {
  return {
    strategy: head.strategy,
    config: { ...head.config },
    params: Float64Array.from(head.params),
    featureMean: Float64Array.from(head.featureMean),
    featureStd: Float64Array.from(head.featureStd),
    targetMean: head.targetMean,
    targetStd: head.targetStd,
    ...(head.projection && { projection: Float64Array.from(head.projection) }),
    history: { train: [], validation: [] },
  };
}

/** Serialises a head to JSON text. */
export function headToJson(head: Head): string {
  return JSON.stringify(head, null, 1);
}

type Result<T> = { ok: true; head: T } | { ok: false; reason: string };

const MAX_HIDDEN = 16384;
const MAX_LAYER = 1024;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isIndex = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const numbers = (v: unknown, length: number, positive = false): v is number[] =>
  Array.isArray(v) &&
  v.length === length &&
  v.every((x) => isFiniteNumber(x) && (!positive || x > 0));

type Fields = Record<string, unknown>;

/** The fields every kind of head has. */
type Common = Pick<
  RidgeHead,
  | 'modelId'
  | 'dtype'
  | 'hidden'
  | 'layer'
  | 'cvRmse'
  | 'cvRmseStd'
  | 'folds'
  | 'rows'
  | 'trainedOn'
  | 'createdAt'
>;

/** Longest `trainedOn` a head file may carry. */
const MAX_TRAINED_ON = 300;

/** The fields every kind of head has, checked and copied; or why they were refused. */
function checkCommon(h: Fields): Common | string {
  if (typeof h.modelId !== 'string' || !h.modelId || h.modelId.length > 200)
    return 'modelId must be a non-empty string of at most 200 characters.';
  if (typeof h.dtype !== 'string' || !(DTYPES as readonly string[]).includes(h.dtype))
    return `dtype must be one of ${DTYPES.join(', ')}.`;
  if (!isIndex(h.hidden, MAX_HIDDEN) || h.hidden === 0) return 'hidden must be a positive integer.';
  if (typeof h.strategy !== 'string' || !Object.hasOwn(STRATEGIES, h.strategy))
    return `Unknown pooling strategy ${JSON.stringify(h.strategy)}.`;
  if (!isIndex(h.layer, MAX_LAYER)) return 'layer must be a non-negative integer.';
  if (!isFiniteNumber(h.cvRmse) || h.cvRmse < 0) return 'cvRmse must be a non-negative number.';
  if (!isFiniteNumber(h.cvRmseStd) || h.cvRmseStd < 0)
    return 'cvRmseStd must be a non-negative number.';
  if (!isIndex(h.folds, 1000) || h.folds < 2) return 'folds must be an integer of at least 2.';
  if (!isIndex(h.rows, 1e9) || h.rows < h.folds)
    return 'rows must be an integer of at least folds.';
  if (typeof h.createdAt !== 'string' || Number.isNaN(Date.parse(h.createdAt)))
    return 'createdAt must be an ISO date.';
  if (
    h.trainedOn !== undefined &&
    (typeof h.trainedOn !== 'string' || h.trainedOn.length > MAX_TRAINED_ON)
  )
    return `trainedOn must be a string of at most ${MAX_TRAINED_ON} characters.`;
  return {
    modelId: h.modelId,
    dtype: h.dtype as Dtype,
    hidden: h.hidden,
    layer: h.layer,
    cvRmse: h.cvRmse,
    cvRmseStd: h.cvRmseStd,
    folds: h.folds,
    rows: h.rows,
    ...(h.trainedOn !== undefined && { trainedOn: h.trainedOn }),
    createdAt: h.createdAt,
  };
}

/** Checks untrusted JSON (already parsed) field by field; returns the head or why it was refused. */
export function validateHead(json: unknown): Result<Head> {
  const no = (reason: string): Result<Head> => ({ ok: false, reason });
  if (!isRecord(json)) return no('A head file must be a JSON object.');
  const h = json;
  if (h.version !== HEAD_VERSION)
    return no(
      `Unsupported head version ${JSON.stringify(h.version)}; this app reads version ${HEAD_VERSION}.`,
    );
  if (h.kind !== undefined && h.kind !== 'ridge' && h.kind !== 'learned')
    return no(
      `Unknown head kind ${JSON.stringify(h.kind)}; this app reads ridge and learned heads.`,
    );
  const common = checkCommon(h);
  if (typeof common === 'string') return no(common);
  return h.kind === 'learned' ? validateLearned(h, common) : validateRidge(h, common);
}

function validateRidge(h: Fields, common: Common): Result<RidgeHead> {
  const no = (reason: string): Result<RidgeHead> => ({ ok: false, reason });
  const strategy = h.strategy as PoolingStrategy;
  if (STRATEGIES[strategy].needsFit)
    return no(
      `${strategy} is a learned pooling; a ridge head cannot carry its parameters (a learned head says "kind": "learned").`,
    );
  if (!isRecord(h.poolOptions)) return no('poolOptions must be an object.');
  const opts: PoolOptions = {};
  for (const [key, value] of Object.entries(h.poolOptions)) {
    if (key !== 'layerStart' && key !== 'k' && key !== 'contextWindow')
      return no(`Unknown pool option ${JSON.stringify(key)}.`);
    if (!isIndex(value, MAX_LAYER)) return no(`Pool option ${key} must be a non-negative integer.`);
    opts[key] = value;
  }
  const dim = STRATEGIES[strategy].outputSize(common.hidden);
  if (!isRecord(h.scaler)) return no('scaler must be an object with mean and std.');
  if (!numbers(h.scaler.mean, dim)) return no(`scaler.mean must hold ${dim} finite numbers.`);
  if (!numbers(h.scaler.std, dim, true)) return no(`scaler.std must hold ${dim} positive numbers.`);
  if (!numbers(h.weights, dim))
    return no(`weights must hold ${dim} finite numbers for ${strategy}.`);
  if (!isFiniteNumber(h.bias)) return no('bias must be a finite number.');
  if (!isFiniteNumber(h.alpha) || h.alpha <= 0) return no('alpha must be a positive number.');
  // Rebuild from checked fields so no unexpected property rides along.
  return {
    ok: true,
    head: {
      version: HEAD_VERSION,
      ...common,
      strategy: strategy as HeadStrategy,
      poolOptions: opts,
      scaler: { mean: [...h.scaler.mean], std: [...h.scaler.std] },
      weights: [...h.weights],
      bias: h.bias,
      alpha: h.alpha,
    },
  };
}

/** Bounds on a learned head's sizes, so a hostile file cannot ask for a huge model. */
const CONFIG_LIMITS: Record<keyof LearnedConfig, [min: number, max: number, integer: boolean]> = {
  layerStart: [0, MAX_LAYER, true],
  units: [1, 1024, true],
  projection: [1, 4096, true],
  channels: [1, 1024, true],
  epochs: [0, 1e6, true],
  batchSize: [1, 1e6, true],
  learningRate: [Number.MIN_VALUE, 1e3, false],
  validationFraction: [0, 0.99, false],
  patience: [0, 1e6, true],
  seed: [0, 2 ** 32 - 1, true],
};

function validateLearned(h: Fields, common: Common): Result<LearnedHead> {
  const no = (reason: string): Result<LearnedHead> => ({ ok: false, reason });
  const strategy = h.strategy as PoolingStrategy;
  if (!STRATEGIES[strategy].needsFit)
    return no(
      `A learned head must use one of ${[...LAYERWISE_LEARNED_STRATEGIES, 'conv1d'].join(', ')}, not ${strategy}.`,
    );
  const { hidden, layer } = common;
  if (!isRecord(h.config)) return no('config must be an object.');
  const config = { ...DEFAULT_LEARNED_CONFIG };
  for (const [key, [min, max, integer]] of Object.entries(CONFIG_LIMITS)) {
    const v = h.config[key];
    if (!isFiniteNumber(v) || v < min || v > max || (integer && !Number.isInteger(v)))
      return no(
        `config.${key} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`,
      );
    config[key as keyof LearnedConfig] = v;
  }
  if (Object.keys(h.config).length !== Object.keys(CONFIG_LIMITS).length)
    return no(`config must hold exactly ${Object.keys(CONFIG_LIMITS).join(', ')}.`);

  const conv = strategy === 'conv1d'; // reads one layer's tokens: layerStart plays no part
  if (!conv && config.layerStart >= layer)
    return no(`config.layerStart (${config.layerStart}) must be below layer (${layer}).`);
  if (!isRecord(h.poolOptions) || h.poolOptions.layerStart !== config.layerStart)
    return no('poolOptions.layerStart must equal config.layerStart.');
  const reduced = Math.min(config.projection, hidden);
  const dim = conv ? reduced : hidden; // what each input vector holds once read
  const size = learnedParamCount(strategy as LearnedStrategy, layer + 1, dim, config);
  if (!numbers(h.params, size))
    return no(
      conv
        ? `params must hold ${size} finite numbers for conv1d on ${dim}-dimension token states.`
        : `params must hold ${size} finite numbers for ${strategy} on layers ${config.layerStart}–${layer} of hidden ${hidden}.`,
    );
  if (!numbers(h.featureMean, dim)) return no(`featureMean must hold ${dim} finite numbers.`);
  if (!numbers(h.featureStd, dim, true)) return no(`featureStd must hold ${dim} positive numbers.`);
  if (!isFiniteNumber(h.targetMean)) return no('targetMean must be a finite number.');
  if (!isFiniteNumber(h.targetStd) || h.targetStd <= 0)
    return no('targetStd must be a positive number.');
  const recurrent = strategy === 'lstm' || strategy === 'gru';
  const projectionSize = Math.min(config.projection, hidden) * hidden;
  if (recurrent && !numbers(h.projection, projectionSize))
    return no(`projection must hold ${projectionSize} finite numbers for ${strategy}.`);
  if (!recurrent && h.projection !== undefined)
    return no(`${strategy} has no projection; remove the field.`);
  if (conv && !numbers(h.tokenProjection, reduced * hidden))
    return no(`tokenProjection must hold ${reduced * hidden} finite numbers for conv1d.`);
  if (!conv && h.tokenProjection !== undefined)
    return no(`${strategy} has no tokenProjection; remove the field.`);
  return {
    ok: true,
    head: {
      version: HEAD_VERSION,
      kind: 'learned',
      ...common,
      strategy: strategy as LearnedStrategy,
      poolOptions: { layerStart: config.layerStart },
      config,
      params: [...h.params],
      featureMean: [...h.featureMean],
      featureStd: [...h.featureStd],
      targetMean: h.targetMean,
      targetStd: h.targetStd,
      ...(recurrent && { projection: [...(h.projection as number[])] }),
      ...(conv && { tokenProjection: [...(h.tokenProjection as number[])] }),
    },
  };
}

/** Parses and validates head JSON text. */
export function parseHead(text: string): Result<Head> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'This file is not valid JSON.' };
  }
  return validateHead(json);
}

/** Whether a head may be used with the loaded model, with a sentence a person can act on. */
export function headFits(
  head: Head,
  model: LoadedModel,
): { ok: true } | { ok: false; reason: string } {
  if (head.modelId !== model.modelId || head.dtype !== model.dtype || head.hidden !== model.hidden)
    return {
      ok: false,
      reason:
        `This head was fitted for ${head.modelId} (${head.dtype}, hidden ${head.hidden}); the loaded ` +
        `model is ${model.modelId} (${model.dtype}, hidden ${model.hidden}). Load that model or fit a new head.`,
    };
  return { ok: true };
}

/** Predictions of a ridge head for pooled features. */
export function predictHead(
  head: RidgeHead,
  features: Float32Array | Float64Array, // [rows, dim]
): Float64Array {
  const dim = head.weights.length;
  if (features.length % dim !== 0)
    throw new RangeError(`features hold ${features.length} values, not a multiple of ${dim}`);
  const rows = features.length / dim;
  const out = new Float64Array(rows);
  const { mean, std } = head.scaler;
  for (let r = 0; r < rows; r++) {
    let s = head.bias;
    for (let k = 0; k < dim; k++)
      s += ((features[r * dim + k] - mean[k]) / std[k]) * head.weights[k];
    out[r] = s;
  }
  return out;
}

/** Minimal slice of a Hugging Face config.json that decides whether a model predicts by itself. */
export interface ModelConfigLike {
  architectures?: unknown;
  num_labels?: unknown;
  id2label?: unknown;
}

/** True for a fine-tuned sequence-classification export with one label: it predicts, no head needed. */
export function isDirectRegression(config: ModelConfigLike): boolean {
  const archs = Array.isArray(config.architectures) ? config.architectures : [];
  if (!archs.some((a) => typeof a === 'string' && a.endsWith('ForSequenceClassification')))
    return false;
  const labels =
    typeof config.num_labels === 'number'
      ? config.num_labels
      : isRecord(config.id2label)
        ? Object.keys(config.id2label).length
        : undefined;
  return labels === 1;
}
