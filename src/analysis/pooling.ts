// Pooling strategies from "Utilizing Transformer Representations Efficiently" (CommonLit
// Readability Prize), done correctly: masks are honoured everywhere (padding never reaches a pooled
// value), mean-max concatenates max *values*, and layers are indexed explicitly instead of being
// stacked with a reshape.
//
// Layer indices follow `output_hidden_states`: 0 is the embedding output, L the last encoder layer,
// so roberta-base has layers 0..12 (13 in all). Token 0 is the CLS/<s> token.
//
// The "layer" a strategy is placed at in the strategy × layer sweep:
// - 'layer' strategies (cls, mean, max, mean-max) read that one layer;
// - 'span' strategies read a span of layers *ending* at that layer: a window of k (concat-last4,
//   mean-last-k), or everything from `layerStart` (weighted-uniform, wk). At layer L they are exactly
//   the notebook's versions; earlier layers answer "what if the model stopped here?";
// - 'model' strategies (pooler, learned poolings) use the whole model and appear once, at layer L.

import { unifySentence, unifyToken } from './wk.ts';

/** Strategies computed from hidden states with no parameters. */
export type ParameterFreeStrategy =
  'cls' | 'mean' | 'max' | 'mean-max' | 'concat-last4' | 'mean-last-k' | 'weighted-uniform' | 'wk';

/** Every parameter-free strategy, in the order views and the sweep list them. */
export const PARAMETER_FREE_STRATEGIES: readonly ParameterFreeStrategy[] = [
  'cls',
  'mean',
  'max',
  'mean-max',
  'concat-last4',
  'mean-last-k',
  'weighted-uniform',
  'wk',
];

/** Learned poolings that read the layers' CLS vectors: fittable from pooled batch features. */
export type LayerwiseLearnedStrategy = 'weighted-learned' | 'attention' | 'lstm' | 'gru';

/** Strategies whose parameters are fitted on frozen features (see learned.ts). */
export type LearnedStrategy = LayerwiseLearnedStrategy | 'conv1d';

/** Every layer-wise learned strategy, in the order views list them. */
export const LAYERWISE_LEARNED_STRATEGIES: readonly LayerwiseLearnedStrategy[] = [
  'weighted-learned',
  'attention',
  'lstm',
  'gru',
];

/** Every pooling strategy: a closed union, so an unknown name is a type error. */
export type PoolingStrategy = ParameterFreeStrategy | LearnedStrategy | 'pooler';

/** How a strategy sits on the sweep's layer axis (see the header comment). */
export type LayerAxis = 'layer' | 'span' | 'model';

/** What the UI and the sweep need to know about a strategy. */
export interface StrategyInfo {
  label: string;
  description: string;
  outputSize: (hidden: number) => number;
  needsFit: boolean;
  layerAxis: LayerAxis;
}

/** Knobs shared by the multi-layer strategies; defaults follow the notebook. */
export interface PoolOptions {
  layerStart?: number; // first layer of weighted/WK spans (notebook: 4)
  k?: number; // window of mean-last-k (4)
  contextWindow?: number; // WK alignment window on each side (2)
}

/** One text's hidden states. */
export interface HiddenStates {
  data: Float32Array; // [layers, tokens, hidden]
  layers: number;
  tokens: number;
  hidden: number;
  mask: Uint8Array; // [tokens], 1 = real token, 0 = padding
}

export const DEFAULT_LAYER_START = 4;
export const DEFAULT_K = 4;
export const DEFAULT_CONTEXT_WINDOW = 2;

/**
 * The notebook's options, with `layerStart` pulled down for models too shallow for layer 4, so
 * span strategies (weighted, WK) still have somewhere to sit on small models.
 */
export function poolOptionsFor(numLayers: number): PoolOptions {
  return {
    layerStart: Math.max(0, Math.min(DEFAULT_LAYER_START, numLayers - 3)),
    k: Math.min(DEFAULT_K, numLayers),
    contextWindow: DEFAULT_CONTEXT_WINDOW,
  };
}

/** Label, description, output size, fitting and layer axis for every strategy. */
export const STRATEGIES: Record<PoolingStrategy, StrategyInfo> = {
  cls: {
    label: 'CLS',
    description: 'The first token (<s>/[CLS]) of one layer.',
    outputSize: (h) => h,
    needsFit: false,
    layerAxis: 'layer',
  },
  mean: {
    label: 'Mean',
    description: 'Average of the real tokens of one layer; padding excluded.',
    outputSize: (h) => h,
    needsFit: false,
    layerAxis: 'layer',
  },
  max: {
    label: 'Max',
    description: 'Per-dimension maximum over the real tokens of one layer; padding excluded.',
    outputSize: (h) => h,
    needsFit: false,
    layerAxis: 'layer',
  },
  'mean-max': {
    label: 'Mean-max',
    description: 'Masked mean and masked max values of one layer, concatenated.',
    outputSize: (h) => 2 * h,
    needsFit: false,
    layerAxis: 'layer',
  },
  'concat-last4': {
    label: 'Concat last 4 CLS',
    description: 'CLS of the four layers ending here, concatenated (newest first).',
    outputSize: (h) => 4 * h,
    needsFit: false,
    layerAxis: 'span',
  },
  'mean-last-k': {
    label: 'Mean of last k',
    description: 'Masked token mean, averaged over the k layers ending here.',
    outputSize: (h) => h,
    needsFit: false,
    layerAxis: 'span',
  },
  'weighted-uniform': {
    label: 'Weighted layers (uniform)',
    description: 'Weighted layer pooling of CLS with equal weights, from layer_start to here.',
    outputSize: (h) => h,
    needsFit: false,
    layerAxis: 'span',
  },
  wk: {
    label: 'WK pooling',
    description:
      'SBERT-WK: tokens unified across layers by alignment and novelty, weighted by variance.',
    outputSize: (h) => h,
    needsFit: false,
    layerAxis: 'span',
  },
  pooler: {
    label: 'Pooler output',
    description: 'The model’s own pooler (dense + tanh on CLS); meaningful only if it was trained.',
    outputSize: (h) => h,
    needsFit: false,
    layerAxis: 'model',
  },
  'weighted-learned': {
    label: 'Weighted layers (learned)',
    description:
      'Weighted layer pooling of CLS with one learned weight per layer from layer_start.',
    outputSize: (h) => h,
    needsFit: true,
    layerAxis: 'model',
  },
  attention: {
    label: 'Attention over layers',
    description: 'Learned attention over the layers’ CLS vectors.',
    outputSize: (h) => h,
    needsFit: true,
    layerAxis: 'model',
  },
  lstm: {
    label: 'LSTM over layers',
    description: 'An LSTM reads the layers’ CLS vectors in order; its last state is the feature.',
    outputSize: (h) => h,
    needsFit: true,
    layerAxis: 'model',
  },
  gru: {
    label: 'GRU over layers',
    description: 'A GRU reads the layers’ CLS vectors in order; its last state is the feature.',
    outputSize: (h) => h,
    needsFit: true,
    layerAxis: 'model',
  },
  conv1d: {
    label: 'Conv1D',
    description: 'A learned 1-D convolution over the last layer’s tokens, then masked max.',
    outputSize: (h) => h,
    needsFit: true,
    layerAxis: 'model',
  },
};

/** Whether a model type ships a trained pooler, with a sentence the UI can show when it does not. */
export function poolerSupport(
  modelType: string,
): { trained: true } | { trained: false; reason: string } {
  switch (modelType.toLowerCase()) {
    case 'bert':
    case 'albert':
      return { trained: true }; // trained by next-sentence / sentence-order prediction
    case 'roberta':
    case 'xlm-roberta':
      return {
        trained: false,
        reason:
          'RoBERTa was pre-trained without next-sentence prediction, so its pooler weights are ' +
          'untrained (random); pooler output is not shown. Use CLS or mean pooling instead.',
      };
    default:
      return {
        trained: false,
        reason: `No trained pooler is known for model type "${modelType}"; pooler output is not shown.`,
      };
  }
}

/** The inclusive layer range a strategy reads when placed at `layer`, or null if it cannot sit there. */
export function layerSpan(
  strategy: PoolingStrategy,
  layer: number,
  numLayers: number,
  options: PoolOptions = {},
): [number, number] | null {
  const last = numLayers - 1;
  if (!Number.isInteger(layer) || layer < 0 || layer > last) return null;
  const layerStart = options.layerStart ?? DEFAULT_LAYER_START;
  const k = options.k ?? DEFAULT_K;
  switch (strategy) {
    case 'cls':
    case 'mean':
    case 'max':
    case 'mean-max':
      return [layer, layer];
    case 'concat-last4':
      return layer >= 3 ? [layer - 3, layer] : null;
    case 'mean-last-k':
      return layer >= k - 1 ? [layer - k + 1, layer] : null;
    case 'weighted-uniform':
      return layer >= layerStart ? [layerStart, layer] : null;
    case 'wk':
      // Needs three layers: the variance of consecutive-layer cosines needs two of them.
      return layer >= layerStart + 2 ? [layerStart, layer] : null;
    case 'pooler':
    case 'weighted-learned':
    case 'attention':
    case 'lstm':
    case 'gru':
      return layer === last && layerStart < last ? [layerStart, last] : null;
    case 'conv1d':
      return layer === last ? [last, last] : null;
  }
}

/** Layers at which a strategy can be placed, in order. */
export function validLayers(
  strategy: PoolingStrategy,
  numLayers: number,
  options: PoolOptions = {},
): number[] {
  const out: number[] = [];
  for (let l = 0; l < numLayers; l++) if (layerSpan(strategy, l, numLayers, options)) out.push(l);
  return out;
}

function checkStates(s: HiddenStates): void {
  if (s.data.length !== s.layers * s.tokens * s.hidden)
    throw new RangeError(
      `hidden states hold ${s.data.length} values, not ${s.layers}×${s.tokens}×${s.hidden}`,
    );
  if (s.mask.length !== s.tokens)
    throw new RangeError(`mask has ${s.mask.length} entries for ${s.tokens} tokens`);
}

function addCls(
  s: HiddenStates,
  layer: number,
  out: Float64Array,
  offset: number,
  w: number,
): void {
  const base = layer * s.tokens * s.hidden; // token 0
  for (let h = 0; h < s.hidden; h++) out[offset + h] += w * s.data[base + h];
}

function addMean(
  s: HiddenStates,
  layer: number,
  out: Float64Array,
  offset: number,
  w: number,
): void {
  const { tokens, hidden, data, mask } = s;
  let count = 0;
  for (let t = 0; t < tokens; t++) if (mask[t]) count++;
  if (count === 0) return; // an all-padding row pools to zeros, never NaN
  const scale = w / count;
  for (let t = 0; t < tokens; t++) {
    if (!mask[t]) continue;
    const base = (layer * tokens + t) * hidden;
    for (let h = 0; h < hidden; h++) out[offset + h] += scale * data[base + h];
  }
}

function setMax(s: HiddenStates, layer: number, out: Float64Array, offset: number): void {
  const { tokens, hidden, data, mask } = s;
  let seen = false;
  for (let t = 0; t < tokens; t++) {
    if (!mask[t]) continue;
    const base = (layer * tokens + t) * hidden;
    for (let h = 0; h < hidden; h++) {
      const x = data[base + h];
      if (!seen || x > out[offset + h]) out[offset + h] = x;
    }
    seen = true;
  }
}

/** Pools one text's hidden states with a parameter-free strategy placed at `layer`. */
export function pool(
  states: HiddenStates,
  strategy: ParameterFreeStrategy,
  layer: number,
  options: PoolOptions = {},
): Float32Array {
  checkStates(states);
  const span = layerSpan(strategy, layer, states.layers, options);
  if (!span)
    throw new RangeError(`${strategy} cannot be placed at layer ${layer} of ${states.layers}`);
  const [start, end] = span;
  const h = states.hidden;
  const out = new Float64Array(STRATEGIES[strategy].outputSize(h));
  const width = end - start + 1;
  switch (strategy) {
    case 'cls':
      addCls(states, layer, out, 0, 1);
      break;
    case 'mean':
      addMean(states, layer, out, 0, 1);
      break;
    case 'max':
      setMax(states, layer, out, 0);
      break;
    case 'mean-max':
      addMean(states, layer, out, 0, 1);
      setMax(states, layer, out, h);
      break;
    case 'concat-last4':
      for (let i = 0; i < 4; i++) addCls(states, end - i, out, i * h, 1);
      break;
    case 'mean-last-k':
      for (let l = start; l <= end; l++) addMean(states, l, out, 0, 1 / width);
      break;
    case 'weighted-uniform':
      for (let l = start; l <= end; l++) addCls(states, l, out, 0, 1 / width);
      break;
    case 'wk':
      wkPool(states, start, end, options.contextWindow ?? DEFAULT_CONTEXT_WINDOW, out);
      break;
  }
  return Float32Array.from(out);
}

function wkPool(
  s: HiddenStates,
  start: number,
  end: number,
  window: number,
  out: Float64Array,
): void {
  const { tokens, hidden, data, mask } = s;
  const real: number[] = [];
  for (let t = 0; t < tokens; t++) if (mask[t]) real.push(t);
  // As in SBERT-WK, the final real token (</s>) is left out when there is anything else.
  const used = real.length > 1 ? real.slice(0, -1) : real;
  const width = end - start + 1;
  const stacks = used.map((t) => {
    const m = new Float64Array(width * hidden); // [layers in span, hidden]
    for (let l = 0; l < width; l++) {
      const base = ((start + l) * tokens + t) * hidden;
      for (let k = 0; k < hidden; k++) m[l * hidden + k] = data[base + k];
    }
    return m;
  });
  const unified = stacks.map((m) => unifyToken(m, width, hidden, window));
  unifySentence(stacks, unified, width, hidden, out);
}

/** Pools many texts into one feature matrix for a parameter-free strategy at `layer`. */
export function poolBatch(
  batch: readonly HiddenStates[],
  strategy: ParameterFreeStrategy,
  layer: number,
  options: PoolOptions = {},
): { data: Float32Array; rows: number; dim: number } {
  const dim = batch.length ? STRATEGIES[strategy].outputSize(batch[0].hidden) : 0;
  const data = new Float32Array(batch.length * dim); // [batch, dim]
  batch.forEach((s, i) => data.set(pool(s, strategy, layer, options), i * dim));
  return { data, rows: batch.length, dim };
}

/** Per-layer pooled vectors as the engine returns them for a batch (pooled inside the graph). */
export interface PooledBatch {
  batch: number;
  layers: number;
  hidden: number;
  cls: Float32Array; // [batch, layers, hidden]
  mean: Float32Array; // [batch, layers, hidden], masked
  max?: Float32Array; // [batch, layers, hidden], masked, when the graph computes it
}

/** Features of a strategy at `layer` from per-layer pooled vectors, or null if it needs token states. */
export function poolFromPooled(
  p: PooledBatch,
  strategy: ParameterFreeStrategy,
  layer: number,
  options: PoolOptions = {},
): Float32Array | null {
  const span = layerSpan(strategy, layer, p.layers, options);
  if (!span) return null;
  const [start, end] = span;
  const { batch, layers, hidden } = p;
  const dim = STRATEGIES[strategy].outputSize(hidden);
  const out = new Float32Array(batch * dim); // [batch, dim]
  const copy = (src: Float32Array, b: number, l: number, offset: number) =>
    out.set(
      src.subarray((b * layers + l) * hidden, (b * layers + l + 1) * hidden),
      b * dim + offset,
    );
  const average = (src: Float32Array) => {
    const acc = new Float64Array(hidden);
    for (let b = 0; b < batch; b++) {
      acc.fill(0);
      for (let l = start; l <= end; l++) {
        const base = (b * layers + l) * hidden;
        for (let h = 0; h < hidden; h++) acc[h] += src[base + h];
      }
      for (let h = 0; h < hidden; h++) out[b * dim + h] = acc[h] / (end - start + 1);
    }
  };
  switch (strategy) {
    case 'cls':
      for (let b = 0; b < batch; b++) copy(p.cls, b, layer, 0);
      return out;
    case 'mean':
      for (let b = 0; b < batch; b++) copy(p.mean, b, layer, 0);
      return out;
    case 'max':
      if (!p.max) return null;
      for (let b = 0; b < batch; b++) copy(p.max, b, layer, 0);
      return out;
    case 'mean-max':
      if (!p.max) return null;
      for (let b = 0; b < batch; b++) {
        copy(p.mean, b, layer, 0);
        copy(p.max, b, layer, hidden);
      }
      return out;
    case 'concat-last4':
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < 4; i++) copy(p.cls, b, end - i, i * hidden);
      return out;
    case 'mean-last-k':
      average(p.mean);
      return out;
    case 'weighted-uniform':
      average(p.cls);
      return out;
    case 'wk':
      return null; // needs every token of every layer
  }
}
