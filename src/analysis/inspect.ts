// What the Read view shows for one text: the per-text layer overview (token norms, cosine to the
// final layer, layer-to-layer similarity) and, for a chosen layer, a token PCA plus every
// parameter-free pooling strategy that can sit there and how alike their vectors are.

import {
  layerSpan,
  PARAMETER_FREE_STRATEGIES,
  pool,
  STRATEGIES,
  type HiddenStates,
  type ParameterFreeStrategy,
  type PoolOptions,
} from './pooling.ts';
import { cosineToFinal, layerSimilarity, layerTokens, pca2d, tokenNorms } from './project.ts';

/** The parameter-free strategies, in the order the Read view lists them. */
export const READ_STRATEGIES = PARAMETER_FREE_STRATEGIES;

/** Layer-independent views of one text. */
export interface TextOverview {
  norms: Float32Array; // [layers, tokens]
  cosineToFinal: Float32Array; // [layers, tokens]
  similarity: Float32Array; // [layers, layers], cosine of masked-mean vectors
}

/** One strategy at one layer: its vector, or why it cannot sit there. */
export type StrategyVector =
  | { strategy: ParameterFreeStrategy; span: [number, number]; vector: Float32Array }
  | { strategy: ParameterFreeStrategy; span: null; reason: string };

/** Everything the Read view shows for one layer. */
export interface LayerView {
  layer: number;
  pca: { coords: Float32Array; explained: [number, number]; positions: number[] }; // coords [n, 2]
  strategies: StrategyVector[];
  /** [strategies, strategies], see `tiledCosine`; NaN where either strategy cannot sit here. */
  cosines: Float32Array;
}

/** Norms, cosine to final and layer similarity of one text. */
export function textOverview(s: HiddenStates): TextOverview {
  return { norms: tokenNorms(s), cosineToFinal: cosineToFinal(s), similarity: layerSimilarity(s) };
}

/** Why a strategy cannot be placed at `layer`, in a sentence. */
export function unavailableReason(
  strategy: ParameterFreeStrategy,
  numLayers: number,
  options: PoolOptions,
): string {
  let first = -1;
  for (let l = 0; l < numLayers && first < 0; l++)
    if (layerSpan(strategy, l, numLayers, options)) first = l;
  return first < 0
    ? `${STRATEGIES[strategy].label} needs more layers than this model has.`
    : `${STRATEGIES[strategy].label} reads several layers; it can sit at layer ${first} or later.`;
}

/**
 * Cosine similarity of two pooled vectors whose sizes are multiples of one another (hidden, 2×,
 * 4× hidden): the shorter is repeated to the longer's size first, so a hidden-size vector is
 * compared with every block of a concatenation, weighted by the blocks' norms. Symmetric, 1 for
 * a vector with itself, and plain cosine when the sizes match.
 */
export function tiledCosine(a: Float32Array, b: Float32Array): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  if (short.length === 0 || long.length % short.length !== 0)
    throw new RangeError(`sizes ${a.length} and ${b.length} are not multiples of one another`);
  let dot = 0;
  let nl = 0;
  let ns = 0;
  for (let i = 0; i < long.length; i++) {
    const x = long[i];
    const y = short[i % short.length];
    dot += x * y;
    nl += x * x;
    ns += y * y;
  }
  return dot / Math.max(Math.sqrt(nl * ns), 1e-12);
}

/** The PCA of one layer's tokens, every strategy at that layer and their pairwise similarity. */
export function layerView(s: HiddenStates, layer: number, options: PoolOptions): LayerView {
  const { data, positions } = layerTokens(s, layer);
  const { coords, explained } = pca2d(data, positions.length, s.hidden);
  const strategies: StrategyVector[] = READ_STRATEGIES.map((strategy) => {
    const span = layerSpan(strategy, layer, s.layers, options);
    return span
      ? { strategy, span, vector: pool(s, strategy, layer, options) }
      : { strategy, span: null, reason: unavailableReason(strategy, s.layers, options) };
  });
  const n = strategies.length;
  const cosines = new Float32Array(n * n).fill(Number.NaN); // [strategies, strategies]
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const a = strategies[i];
      const b = strategies[j];
      if ('vector' in a && 'vector' in b) cosines[i * n + j] = tiledCosine(a.vector, b.vector);
    }
  return { layer, pca: { coords, explained, positions }, strategies, cosines };
}
