// Regression heads as versioned JSON: what was fitted, for which model, and how well it did.
// `validateHead` is the gate for imported files: every field is checked, sizes must agree, and
// nothing but plain numbers and strings gets through.

import {
  STRATEGIES,
  type ParameterFreeStrategy,
  type PoolOptions,
  type PoolingStrategy,
} from './pooling.ts';
import type { RidgeCVResult, RidgeModel } from './ridge.ts';

export const HEAD_VERSION = 1;

/** Weight formats a model can be loaded in; a head fitted on one is only valid for that one. */
export const DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;
export type Dtype = (typeof DTYPES)[number];

/** Strategies a head can sit on: the parameter-free ones and a trained pooler. */
export type HeadStrategy = ParameterFreeStrategy | 'pooler';

/** A ridge head, version 1. Weights are in standardised units: ŷ = bias + Σ ((x − mean)/std)·w. */
export interface Head {
  version: typeof HEAD_VERSION;
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
  createdAt: string; // ISO 8601
}

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
  createdAt?: Date;
}): Head {
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
    createdAt: (args.createdAt ?? new Date()).toISOString(),
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

/** Checks untrusted JSON (already parsed) field by field; returns the head or why it was refused. */
export function validateHead(json: unknown): Result<Head> {
  const no = (reason: string): Result<Head> => ({ ok: false, reason });
  if (!isRecord(json)) return no('A head file must be a JSON object.');
  const h = json;
  if (h.version !== HEAD_VERSION)
    return no(
      `Unsupported head version ${JSON.stringify(h.version)}; this app reads version ${HEAD_VERSION}.`,
    );
  if (typeof h.modelId !== 'string' || !h.modelId || h.modelId.length > 200)
    return no('modelId must be a non-empty string of at most 200 characters.');
  if (typeof h.dtype !== 'string' || !(DTYPES as readonly string[]).includes(h.dtype))
    return no(`dtype must be one of ${DTYPES.join(', ')}.`);
  if (!isIndex(h.hidden, MAX_HIDDEN) || h.hidden === 0)
    return no('hidden must be a positive integer.');
  if (typeof h.strategy !== 'string' || !Object.hasOwn(STRATEGIES, h.strategy))
    return no(`Unknown pooling strategy ${JSON.stringify(h.strategy)}.`);
  const strategy = h.strategy as PoolingStrategy;
  if (STRATEGIES[strategy].needsFit)
    return no(`${strategy} is a learned pooling; a ridge head cannot carry its parameters.`);
  if (!isIndex(h.layer, MAX_LAYER)) return no('layer must be a non-negative integer.');
  if (!isRecord(h.poolOptions)) return no('poolOptions must be an object.');
  const opts: PoolOptions = {};
  for (const [key, value] of Object.entries(h.poolOptions)) {
    if (key !== 'layerStart' && key !== 'k' && key !== 'contextWindow')
      return no(`Unknown pool option ${JSON.stringify(key)}.`);
    if (!isIndex(value, MAX_LAYER)) return no(`Pool option ${key} must be a non-negative integer.`);
    opts[key] = value;
  }
  const dim = STRATEGIES[strategy].outputSize(h.hidden);
  if (!isRecord(h.scaler)) return no('scaler must be an object with mean and std.');
  if (!numbers(h.scaler.mean, dim)) return no(`scaler.mean must hold ${dim} finite numbers.`);
  if (!numbers(h.scaler.std, dim, true)) return no(`scaler.std must hold ${dim} positive numbers.`);
  if (!numbers(h.weights, dim))
    return no(`weights must hold ${dim} finite numbers for ${strategy}.`);
  if (!isFiniteNumber(h.bias)) return no('bias must be a finite number.');
  if (!isFiniteNumber(h.alpha) || h.alpha <= 0) return no('alpha must be a positive number.');
  if (!isFiniteNumber(h.cvRmse) || h.cvRmse < 0) return no('cvRmse must be a non-negative number.');
  if (!isFiniteNumber(h.cvRmseStd) || h.cvRmseStd < 0)
    return no('cvRmseStd must be a non-negative number.');
  if (!isIndex(h.folds, 1000) || h.folds < 2) return no('folds must be an integer of at least 2.');
  if (!isIndex(h.rows, 1e9) || h.rows < h.folds)
    return no('rows must be an integer of at least folds.');
  if (typeof h.createdAt !== 'string' || Number.isNaN(Date.parse(h.createdAt)))
    return no('createdAt must be an ISO date.');
  // Rebuild from checked fields so no unexpected property rides along.
  return {
    ok: true,
    head: {
      version: HEAD_VERSION,
      modelId: h.modelId,
      dtype: h.dtype as Dtype,
      hidden: h.hidden,
      strategy: strategy as HeadStrategy,
      layer: h.layer,
      poolOptions: opts,
      scaler: { mean: [...h.scaler.mean], std: [...h.scaler.std] },
      weights: [...h.weights],
      bias: h.bias,
      alpha: h.alpha,
      cvRmse: h.cvRmse,
      cvRmseStd: h.cvRmseStd,
      folds: h.folds,
      rows: h.rows,
      createdAt: h.createdAt,
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

/** Predictions of a head for pooled features. */
export function predictHead(
  head: Head,
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
