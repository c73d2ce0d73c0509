/**
 * From what the engine returns for a batch to a head's features and predictions. The only glue
 * between engine batches (protocol types) and the pure analysis modules.
 */
import { headFits, learnedFromHead, predictHead, type Head } from '../analysis/head.ts';
import { projectTokens } from '../analysis/directions.ts';
import { predictLearned } from '../analysis/learned.ts';
import type { RaggedTokenInput } from '../analysis/learnedInput.ts';
import { poolFromPooled, type ParameterFreeStrategy } from '../analysis/pooling.ts';
import type {
  BatchPooling,
  EmbeddedBatch,
  ModelInfo,
  TokenRequest,
  TokenStates,
} from '../engine/protocol.ts';

/**
 * What a head needs from a batch run; device poolings cover every strategy but WK and pooler, a
 * learned pooling reads the layers' CLS vectors, and Conv1D token states (see `tokenRequestFor`).
 */
export function batchPoolingFor(head: Head): BatchPooling[] {
  if (head.kind === 'learned') return head.strategy === 'conv1d' ? [] : ['cls'];
  switch (head.strategy) {
    case 'wk':
      return ['wk'];
    case 'pooler':
      return ['pooler'];
    case 'max':
    case 'mean-max':
      return ['cls', 'mean', 'max'];
    default:
      return ['cls', 'mean'];
  }
}

/** Whether a head reads each text's token states (Conv1D) rather than pooled vectors. */
export const readsTokens = (head: Head) => head.kind === 'learned' && head.strategy === 'conv1d';

/**
 * The token states a batch run must also return for these heads: the raw last-layer states when
 * any reads tokens (each head reduces them its own way), none otherwise.
 */
export function tokenRequestFor(heads: readonly Head[]): TokenRequest | undefined {
  const reader = heads.find(readsTokens);
  return reader && { projection: null, dim: reader.hidden };
}

/** The pooled vectors of a batch, from the engine or rebuilt from cached features. */
export type PooledVectors = Pick<EmbeddedBatch, 'count' | 'layers' | 'hidden' | 'pooled'> & {
  tokens?: TokenStates;
};

/** Slices one layer out of `[count, layers, hidden]` into `[count, hidden]`. */
export function layerOf(data: Float32Array, batch: PooledVectors, layer: number): Float32Array {
  const { count, layers, hidden } = batch;
  const out = new Float32Array(count * hidden);
  for (let i = 0; i < count; i++) {
    const from = (i * layers + layer) * hidden;
    out.set(data.subarray(from, from + hidden), i * hidden);
  }
  return out;
}

/** A strategy's features `[count, dim]` at a layer, from an engine batch. */
export function featuresFrom(
  batch: PooledVectors,
  strategy: ParameterFreeStrategy | 'pooler',
  layer: number,
  options: Head['poolOptions'] = {},
): Float32Array {
  const { pooled } = batch;
  if (strategy === 'pooler') {
    if (!pooled.pooler) throw new Error('the batch has no pooler output');
    return pooled.pooler;
  }
  if (strategy === 'wk') {
    if (!pooled.wk) throw new Error('the batch has no WK pooling');
    return layerOf(pooled.wk, batch, layer);
  }
  if (!pooled.cls || !pooled.mean) throw new Error('the batch has no CLS or mean pooling');
  const features = poolFromPooled(
    {
      batch: batch.count,
      layers: batch.layers,
      hidden: batch.hidden,
      cls: pooled.cls,
      mean: pooled.mean,
      max: pooled.max,
    },
    strategy,
    layer,
    options,
  );
  if (!features)
    throw new Error(`${strategy} cannot be computed at layer ${layer} from this batch`);
  return features;
}

/** The layers' CLS vectors of a batch as a learned pooling's input `[count, layers, hidden]`. */
export function layerInput(batch: PooledVectors) {
  const data = batch.pooled.cls;
  if (!data) throw new Error('the batch has no CLS pooling');
  const { count, layers, hidden } = batch;
  return { kind: 'layers' as const, data, batch: count, layers, hidden };
}

/** Conv1D's input from a batch's token states, reduced through `directions` [dim, hidden]. */
export function tokenInput(
  tokens: TokenStates,
  count: number,
  directions?: ArrayLike<number>,
): RaggedTokenInput {
  const data = directions ? projectTokens(tokens.data, tokens.dim, directions) : tokens.data;
  const hidden = directions ? directions.length / tokens.dim : tokens.dim;
  return { kind: 'ragged-tokens', data, offsets: tokens.offsets, batch: count, hidden };
}

/** A head's predictions for every text of a batch. */
export function predictBatch(head: Head, batch: PooledVectors): Float64Array {
  if (head.kind === 'learned' && head.strategy === 'conv1d') {
    const { tokens } = batch;
    if (!tokens || tokens.dim !== batch.hidden)
      throw new Error('the batch has no raw token states for a Conv1D head');
    return predictLearned(
      learnedFromHead(head),
      tokenInput(tokens, batch.count, head.tokenProjection),
    );
  }
  if (head.kind === 'learned') {
    if (batch.layers !== head.layer + 1)
      throw new Error(
        `the head reads ${head.layer + 1} hidden states; the batch has ${batch.layers}`,
      );
    return predictLearned(learnedFromHead(head), layerInput(batch));
  }
  return predictHead(head, featuresFrom(batch, head.strategy, head.layer, head.poolOptions));
}

/** The loaded model as heads know it. */
export function loadedModel(info: ModelInfo) {
  return { modelId: info.modelId, dtype: info.dtype, hidden: info.hidden };
}

/**
 * What scores a text on the loaded model, as the Read and Compare views decide it: a fine-tuned
 * regression export's own output, else the active head when it fits the model; otherwise nothing,
 * with the reason when a head is active but does not fit.
 */
export function encoderSource<R extends { head: Head }>(
  info: ModelInfo,
  active: R | null,
): { kind: 'regression' } | { kind: 'head'; active: R } | { kind: 'none'; reason: string | null } {
  if (info.isRegression) return { kind: 'regression' };
  if (!active) return { kind: 'none', reason: null };
  const fit = headFits(active.head, loadedModel(info));
  return fit.ok
    ? { kind: 'head', active }
    : { kind: 'none', reason: `The active head does not fit: ${fit.reason}` };
}
