// The inputs learned poolings read, checked and standardised: the layers' CLS vectors
// [batch, layers, hidden] from `layerStart` to the last layer (weighted, attention, LSTM, GRU), or
// one layer's tokens (Conv1D): padded [batch, tokens, hidden] with a mask, or ragged, each text's
// real tokens one after another (what the app keeps). Features are standardised on the training
// rows with one scaler per hidden dimension, shared across layers or tokens.

import type { LearnedConfig } from './learnedConfig.ts';
import { scalerFromSums } from './matrix.ts';
import type { LearnedStrategy } from './pooling.ts';

/** Per-layer vectors for a batch (e.g. CLS of every layer). */
export interface LayerInput {
  kind: 'layers';
  data: Float32Array; // [batch, layers, hidden]
  batch: number;
  layers: number;
  hidden: number;
}

/** One layer's token states for a batch, with the mask. */
export interface TokenInput {
  kind: 'tokens';
  data: Float32Array; // [batch, tokens, hidden]
  mask: Uint8Array; // [batch, tokens]
  batch: number;
  tokens: number;
  hidden: number;
}

/** One layer's real token states for a batch, text after text: no padding stored. */
export interface RaggedTokenInput {
  kind: 'ragged-tokens';
  data: Float32Array; // [offsets[batch], hidden]
  offsets: Int32Array; // [batch + 1]: text b's tokens are rows offsets[b] .. offsets[b + 1] − 1
  batch: number;
  hidden: number;
}

export type LearnedInput = LayerInput | TokenInput | RaggedTokenInput;

/** Whether an input holds token states (Conv1D's) rather than per-layer vectors. */
export const readsTokens = (input: LearnedInput) => input.kind !== 'layers';

/**
 * Standardised view of the input. Layers: x [rows, steps, dim]. Tokens: x [tokens, dim], text i
 * holding rows offsets[i] .. offsets[i + 1] − 1, each marked real or padding (stored as zeros).
 */
export interface Prepared {
  rows: number;
  steps: number; // layers used (layer input)
  dim: number;
  x: Float64Array | Float32Array;
  offsets: Int32Array | null; // [rows + 1] for tokens
  real: Uint8Array | null; // [tokens] for tokens
}

/** Throws unless the input suits the strategy and holds the values its shape says. */
export function checkInput(
  strategy: LearnedStrategy,
  input: LearnedInput,
  cfg: LearnedConfig,
): void {
  const wantsTokens = strategy === 'conv1d';
  if (wantsTokens !== readsTokens(input))
    throw new TypeError(`${strategy} needs ${wantsTokens ? 'token states' : 'per-layer vectors'}`);
  if (input.kind === 'ragged-tokens') {
    const { offsets, batch } = input;
    if (offsets.length !== batch + 1 || offsets[0] !== 0)
      throw new RangeError(`token offsets must be ${batch + 1} values starting at 0`);
    for (let b = 0; b < batch; b++)
      if (offsets[b + 1] < offsets[b]) throw new RangeError(`token offsets fall at text ${b}`);
    if (input.data.length !== offsets[batch] * input.hidden)
      throw new RangeError(
        `input holds ${input.data.length} values, not ${offsets[batch]}×${input.hidden}`,
      );
    return;
  }
  const steps = input.kind === 'tokens' ? input.tokens : input.layers;
  if (input.data.length !== input.batch * steps * input.hidden)
    throw new RangeError(
      `input holds ${input.data.length} values, not ${input.batch}×${steps}×${input.hidden}`,
    );
  if (input.kind === 'tokens' && input.mask.length !== input.batch * input.tokens)
    throw new RangeError('mask does not match the token input');
  if (input.kind === 'layers' && (cfg.layerStart < 0 || cfg.layerStart >= input.layers))
    throw new RangeError(`layerStart ${cfg.layerStart} is outside 0..${input.layers - 1}`);
}

/** Standardises the input rows `rows` (all by default); row i of the result is input row rows[i]. */
export function prepare(
  input: LearnedInput,
  cfg: LearnedConfig,
  mean: Float64Array,
  std: Float64Array,
  rows: Int32Array = allRows(input.batch),
): Prepared {
  if (input.kind !== 'layers') return prepareTokens(input, mean, std, rows);
  const h = input.hidden;
  const first = cfg.layerStart;
  const steps = input.layers - first;
  const x = new Float64Array(rows.length * steps * h);
  rows.forEach((b, i) => {
    for (let s = 0; s < steps; s++) {
      const src = (b * input.layers + first + s) * h;
      const dst = (i * steps + s) * h;
      for (let k = 0; k < h; k++) x[dst + k] = (input.data[src + k] - mean[k]) / std[k];
    }
  });
  return { rows: rows.length, steps, dim: h, x, offsets: null, real: null };
}

/**
 * Token inputs become one ragged table. A padded text keeps its positions up to its last real
 * token, padding there as exact zeros so no value stored in it can reach the model; positions after
 * it are dropped. Float32, since a 3,000-text table of token states is large.
 */
function prepareTokens(
  input: TokenInput | RaggedTokenInput,
  mean: Float64Array,
  std: Float64Array,
  rows: Int32Array,
): Prepared {
  const h = input.hidden;
  const spans = Array.from(rows, (b) => tokenSpan(input, b));
  const offsets = new Int32Array(rows.length + 1);
  spans.forEach(([from, to], i) => (offsets[i + 1] = offsets[i] + to - from));
  const x = new Float32Array(offsets[rows.length] * h);
  const real = new Uint8Array(offsets[rows.length]);
  spans.forEach(([from, to], i) => {
    for (let t = from; t < to; t++) {
      const dst = offsets[i] + t - from;
      if (input.kind === 'tokens' && !input.mask[t]) continue;
      real[dst] = 1;
      for (let k = 0; k < h; k++) x[dst * h + k] = (input.data[t * h + k] - mean[k]) / std[k];
    }
  });
  return { rows: rows.length, steps: 0, dim: h, x, offsets, real };
}

/**
 * Token rows [from, to) of text `b` in the input's data; a padded text ends at its last real token.
 */
function tokenSpan(input: TokenInput | RaggedTokenInput, b: number): [number, number] {
  if (input.kind === 'ragged-tokens') return [input.offsets[b], input.offsets[b + 1]];
  const from = b * input.tokens;
  let to = from + input.tokens;
  while (to > from && !input.mask[to - 1]) to--;
  return [from, to];
}

/** 0, 1, …, n − 1. */
export const allRows = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** Throws unless `rows` is a non-empty list of the input's rows. */
export function checkRows(rows: Int32Array, batch: number): void {
  if (!rows.length) throw new RangeError('no rows to fit on');
  for (const r of rows)
    if (!Number.isInteger(r) || r < 0 || r >= batch)
      throw new RangeError(`row ${r} is outside 0..${batch - 1}`);
}

/**
 * The scaler of the input's vectors at `rows`: every layer from `layerStart` on, or every real
 * token, pooled per hidden dimension.
 */
export function featureScaler(input: LearnedInput, cfg: LearnedConfig, rows: Int32Array) {
  const h = input.hidden;
  const sum = new Float64Array(h);
  const sq = new Float64Array(h);
  let n = 0;
  const add = (base: number) => {
    for (let k = 0; k < h; k++) {
      const v = input.data[base + k];
      sum[k] += v;
      sq[k] += v * v;
    }
    n++;
  };
  for (const b of rows) {
    if (input.kind === 'layers') {
      for (let s = cfg.layerStart; s < input.layers; s++) add((b * input.layers + s) * h);
      continue;
    }
    const [from, to] = tokenSpan(input, b);
    for (let t = from; t < to; t++) if (input.kind === 'ragged-tokens' || input.mask[t]) add(t * h);
  }
  return scalerFromSums(n, sum, sq);
}
