/**
 * A ridge head's pooled features over a text's windows, combined as the batch path combines them
 * (means weighted by window length, maxima over every window), in float64 by plain loops: the
 * reference the token contributions are checked against.
 */
import type { ContributionWindow } from '../../src/analysis/contributions.ts';
import type { RidgeHead } from '../../src/analysis/head.ts';
import { DEFAULT_K, layerSpan, type HiddenStates } from '../../src/analysis/pooling.ts';

export function windowedFeatures(
  h: RidgeHead,
  windows: readonly ContributionWindow[],
): Float64Array {
  const { layers, hidden } = windows[0].states;
  const total = windows.reduce((s, w) => s + w.states.tokens, 0);
  const [start, end] =
    h.strategy === 'mean-last-k'
      ? layerSpan('mean-last-k', h.layer, layers, {
          k: h.poolOptions?.k ?? DEFAULT_K,
          layerStart: h.poolOptions?.layerStart,
        })!
      : [h.layer, h.layer];
  const at = (s: HiddenStates, l: number, t: number, k: number) =>
    s.data[(l * s.tokens + t) * hidden + k];
  const mean = new Float64Array(hidden);
  const max = new Float64Array(hidden).fill(-Infinity);
  for (const { states: s } of windows)
    for (let k = 0; k < hidden; k++) {
      let sum = 0;
      for (let l = start; l <= end; l++) for (let t = 0; t < s.tokens; t++) sum += at(s, l, t, k);
      mean[k] += (s.tokens / total) * (sum / s.tokens / (end - start + 1));
      for (let t = 0; t < s.tokens; t++) max[k] = Math.max(max[k], at(s, h.layer, t, k));
    }
  if (h.strategy === 'max') return max;
  if (h.strategy === 'mean-max') return Float64Array.from([...mean, ...max]);
  return mean;
}

/** Intercept plus every token's term. */
export const splitScore = (c: { intercept: number; tokens: ArrayLike<number> }) =>
  Array.from(c.tokens).reduce((s, v) => s + v, c.intercept);
