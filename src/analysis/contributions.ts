/**
 * Exact token contributions of a ridge head: for a strategy that is linear in the token states
 * (mean, mean of the last k layers, max, mean-max), the head's score is its intercept plus one
 * term per token, exactly.
 *
 * A ridge head scores `bias + Σ_k ((x_k − μ_k) / σ_k) · w_k` on pooled features x. With slopes
 * `a_k = w_k / σ_k` that is `(bias − Σ_k a_k μ_k) + Σ_k a_k x_k`: the first part is the intercept;
 * for a mean, `x_k` is a weighted sum over tokens, so `a_k x_k` splits over them; for a max,
 * feature k's whole term belongs to the token that gave the maximum. A text longer than the model
 * is read in windows combined as the batch path combines them (means weighted by window length,
 * maxima over all windows); a token that two windows share collects its terms from both.
 * CLS-based strategies (cls, concat-last4, weighted layers of CLS) and SBERT-WK have no such split.
 */
import type { RidgeHead } from './head.ts';
import { DEFAULT_K, layerSpan, type HiddenStates, type ParameterFreeStrategy } from './pooling.ts';

/** Strategies whose score splits exactly over tokens. */
export const DECOMPOSABLE = ['mean', 'max', 'mean-max', 'mean-last-k'] as const;
export type DecomposableStrategy = (typeof DECOMPOSABLE)[number];

/** Whether a head's strategy splits exactly over tokens. */
export function isDecomposable(strategy: string): strategy is DecomposableStrategy {
  return (DECOMPOSABLE as readonly string[]).includes(strategy);
}

/** One window of a text: its states and where its first token sits in the whole text. */
export interface ContributionWindow {
  states: HiddenStates; // [layers, tokens, hidden], every token real
  /** Index in the whole text of the window's first token. */
  offset: number;
}

export interface TokenContributions {
  /** The score's part that no token carries: bias − Σ a_k μ_k. */
  intercept: number;
  /** One term per token of the whole text; intercept + their sum is the head's score. */
  tokens: Float64Array;
}

/**
 * The head's score split over a text's tokens. `windows` are the text's windows in order (one
 * for a text that fits the model), `totalTokens` the whole text's length. Throws RangeError for a
 * strategy with no exact split; say so to the user instead of calling it.
 */
export function tokenContributions(
  head: RidgeHead,
  windows: readonly ContributionWindow[],
  totalTokens: number,
): TokenContributions {
  const strategy = head.strategy as ParameterFreeStrategy;
  if (!isDecomposable(strategy)) {
    throw new RangeError(`${head.strategy} has no exact split over tokens`);
  }
  const hidden = head.hidden;
  const slopes = head.weights.map((w, k) => w / head.scaler.std[k]);
  const intercept = slopes.reduce((s, a, k) => s - a * head.scaler.mean[k], head.bias);
  const out = new Float64Array(totalTokens);
  const lengthSum = windows.reduce((s, w) => s + w.states.tokens, 0);
  const layers = windows[0]?.states.layers ?? 0;
  const span = layerSpan(strategy, head.layer, layers, {
    k: head.poolOptions?.k ?? DEFAULT_K,
    layerStart: head.poolOptions?.layerStart,
  });
  if (!span) throw new RangeError(`${strategy} cannot sit at layer ${head.layer} of ${layers}`);
  const meanSlopes = slopes.slice(0, hidden);
  const maxSlopes =
    strategy === 'mean-max' ? slopes.slice(hidden) : strategy === 'max' ? slopes : [];

  // Means: window w's token t adds (ω_w / T_w) · (1 / layers in span) · Σ_k a_k h_{l,t,k}, and
  // with ω_w = T_w / ΣT (windows weighted by length) the factor is the same for every window.
  if (strategy !== 'max') {
    const [start, end] = strategy === 'mean-last-k' ? span : [head.layer, head.layer];
    const scale = 1 / (end - start + 1) / lengthSum;
    for (const { states, offset } of windows) {
      const { tokens, data } = states;
      for (let l = start; l <= end; l++)
        for (let t = 0; t < tokens; t++) {
          let dot = 0;
          const row = (l * tokens + t) * hidden;
          for (let k = 0; k < hidden; k++) dot += meanSlopes[k] * data[row + k];
          out[offset + t] += scale * dot;
        }
    }
  }
  // Maxima: feature k's term a_k · max goes to the token (over all windows) that gave it.
  if (maxSlopes.length) {
    const l = head.layer;
    for (let k = 0; k < hidden; k++) {
      let best = -Infinity;
      let at = -1;
      for (const { states, offset } of windows) {
        for (let t = 0; t < states.tokens; t++) {
          const v = states.data[(l * states.tokens + t) * hidden + k];
          if (v > best) {
            best = v;
            at = offset + t;
          }
        }
      }
      if (at >= 0) out[at] += maxSlopes[k] * best;
    }
  }
  return { intercept, tokens: out };
}
