/**
 * From what the engine returns for a batch to a head's features and predictions. The only glue
 * between engine batches (protocol types) and the pure analysis modules.
 */
import { predictHead, type Head } from '../analysis/head.ts';
import { poolFromPooled, type ParameterFreeStrategy } from '../analysis/pooling.ts';
import type { BatchPooling, EmbeddedBatch, ModelInfo } from '../engine/protocol.ts';

/** What a head needs from a batch run; device poolings cover every strategy but WK and pooler. */
export function batchPoolingFor(head: Head): BatchPooling[] {
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

/** The pooled vectors of a batch, from the engine or rebuilt from cached features. */
export type PooledVectors = Pick<EmbeddedBatch, 'count' | 'layers' | 'hidden' | 'pooled'>;

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

/** A head's predictions for every text of a batch. */
export function predictBatch(head: Head, batch: PooledVectors): Float64Array {
  return predictHead(head, featuresFrom(batch, head.strategy, head.layer, head.poolOptions));
}

/** The loaded model as heads know it. */
export function loadedModel(info: ModelInfo) {
  return { modelId: info.modelId, dtype: info.dtype, hidden: info.hidden };
}
