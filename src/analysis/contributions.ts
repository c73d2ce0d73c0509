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

/** One window of a text: its states and where each of its tokens sits in the whole text. */
export interface ContributionWindow {
  states: HiddenStates; // [layers, tokens, hidden], every token real
  /** Index in the whole text of each of the window's tokens (a window repeats the specials). */
  positions: ArrayLike<number>;
}

export interface TokenContributions {
  /** The score's part that no token carries: bias − Σ a_k μ_k. */
  intercept: number;
  /** One term per token of the whole text; intercept + their sum is the head's score. */
  tokens: Float64Array;
}

/**
 * The head's score split over a text's tokens, one window at a time, so a long text's windows
 * need not all be held at once. `totalTokens` is the whole text's length, `lengthSum` the sum of
 * its windows' lengths (the weights of the windows' means). Throws RangeError for a strategy with
 * no exact split; say so to the user instead of calling it.
 */
export class ContributionSum {
  readonly intercept: number;
  private readonly out: Float64Array;
  private readonly meanSlopes: Float64Array;
  private readonly maxSlopes: Float64Array;
  /** Layers whose means the score reads (none for max). */
  private readonly meanLayers: readonly number[];
  private readonly meanScale: number;
  private readonly best: Float64Array;
  private readonly bestAt: Int32Array;

  constructor(
    private readonly head: RidgeHead,
    totalTokens: number,
    lengthSum: number,
    layers: number,
  ) {
    const strategy = head.strategy as ParameterFreeStrategy;
    if (!isDecomposable(strategy)) {
      throw new RangeError(`${head.strategy} has no exact split over tokens`);
    }
    const hidden = head.hidden;
    const slopes = Float64Array.from(head.weights, (w, k) => w / head.scaler.std[k]);
    this.intercept = slopes.reduce((s, a, k) => s - a * head.scaler.mean[k], head.bias);
    this.out = new Float64Array(totalTokens);
    const span = layerSpan(strategy, head.layer, layers, {
      k: head.poolOptions?.k ?? DEFAULT_K,
      layerStart: head.poolOptions?.layerStart,
    });
    if (!span) throw new RangeError(`${strategy} cannot sit at layer ${head.layer} of ${layers}`);
    this.meanSlopes = strategy === 'max' ? new Float64Array(0) : slopes.subarray(0, hidden);
    this.maxSlopes =
      strategy === 'mean-max'
        ? slopes.subarray(hidden)
        : strategy === 'max'
          ? slopes
          : new Float64Array(0);
    const [start, end] = strategy === 'mean-last-k' ? span : [head.layer, head.layer];
    this.meanLayers =
      strategy === 'max' ? [] : Array.from({ length: end - start + 1 }, (_, i) => start + i);
    // Window w's token t adds (ω_w / T_w) · (1 / layers in span) · Σ_k a_k h_{l,t,k}, and with
    // ω_w = T_w / ΣT (windows weighted by length) the factor is the same for every window.
    this.meanScale = 1 / this.meanLayers.length / lengthSum;
    this.best = new Float64Array(this.maxSlopes.length).fill(-Infinity);
    this.bestAt = new Int32Array(this.maxSlopes.length).fill(-1);
  }

  /** Adds one window's terms. */
  add({ states, positions }: ContributionWindow): void {
    const { tokens, data } = states;
    const hidden = this.head.hidden;
    const { meanSlopes, maxSlopes, out, best, bestAt } = this;
    if (positions.length !== tokens)
      throw new RangeError(`${positions.length} positions for a window of ${tokens} tokens`);
    for (const l of this.meanLayers)
      for (let t = 0; t < tokens; t++) {
        let dot = 0;
        const row = (l * tokens + t) * hidden;
        for (let k = 0; k < hidden; k++) dot += meanSlopes[k] * data[row + k];
        out[positions[t]] += this.meanScale * dot;
      }
    // Maxima: feature k's term a_k · max goes to the token (over all windows) that gave it.
    if (maxSlopes.length) {
      const base = this.head.layer * tokens * hidden;
      for (let t = 0; t < tokens; t++)
        for (let k = 0; k < hidden; k++) {
          const v = data[base + t * hidden + k];
          if (v > best[k]) {
            best[k] = v;
            bestAt[k] = positions[t];
          }
        }
    }
  }

  /** The intercept and every token's term, once all windows are in. */
  result(): TokenContributions {
    const tokens = this.out.slice();
    for (let k = 0; k < this.maxSlopes.length; k++)
      if (this.bestAt[k] >= 0) tokens[this.bestAt[k]] += this.maxSlopes[k] * this.best[k];
    return { intercept: this.intercept, tokens };
  }
}

/**
 * The head's score split over a text's tokens. `windows` are the text's windows in order (one
 * for a text that fits the model), `totalTokens` the whole text's length. Throws RangeError for a
 * strategy with no exact split.
 */
export function tokenContributions(
  head: RidgeHead,
  windows: readonly ContributionWindow[],
  totalTokens: number,
): TokenContributions {
  const lengthSum = windows.reduce((s, w) => s + w.states.tokens, 0);
  const sum = new ContributionSum(head, totalTokens, lengthSum, windows[0]?.states.layers ?? 0);
  for (const w of windows) sum.add(w);
  return sum.result();
}
