/**
 * Exact token contributions against the head applied to pooled features computed here by plain
 * float64 loops (and, for one window, by analysis/pooling's own pool): intercept plus the tokens'
 * terms equals the score to 1e-9 (1e-6 against pool's float32 output), one window and several.
 */
import { describe, expect, it } from 'vitest';
import {
  DECOMPOSABLE,
  isDecomposable,
  tokenContributions,
  type ContributionWindow,
} from '../../src/analysis/contributions.ts';
import { predictHead, type RidgeHead } from '../../src/analysis/head.ts';
import { pool, layerSpan, type HiddenStates } from '../../src/analysis/pooling.ts';
import { makeNormal } from '../../src/analysis/rng.ts';

const LAYERS = 5;
const HIDDEN = 6;

function states(tokens: number, seed: number): HiddenStates {
  const normal = makeNormal(seed);
  const data = Float32Array.from({ length: LAYERS * tokens * HIDDEN }, () => normal());
  return { data, layers: LAYERS, tokens, hidden: HIDDEN, mask: new Uint8Array(tokens).fill(1) };
}

function head(strategy: RidgeHead['strategy'], layer: number, seed: number): RidgeHead {
  const normal = makeNormal(seed);
  const dim = strategy === 'mean-max' ? 2 * HIDDEN : HIDDEN;
  return {
    version: 1,
    kind: 'ridge',
    modelId: 'm',
    dtype: 'fp32',
    hidden: HIDDEN,
    strategy,
    layer,
    poolOptions: { k: 3 },
    scaler: {
      mean: Array.from({ length: dim }, () => normal()),
      std: Array.from({ length: dim }, () => 0.5 + Math.abs(normal())),
    },
    weights: Array.from({ length: dim }, () => normal()),
    bias: 0.3,
    alpha: 1,
    cvRmse: 0.5,
    cvRmseStd: 0.1,
    folds: 5,
    rows: 10,
    createdAt: new Date(0).toISOString(),
  };
}

/** The pooled features of windows combined as the batch path does, in float64 by plain loops. */
function features(h: RidgeHead, windows: ContributionWindow[]): Float64Array {
  const total = windows.reduce((s, w) => s + w.states.tokens, 0);
  const [start, end] =
    h.strategy === 'mean-last-k'
      ? layerSpan('mean-last-k', h.layer, LAYERS, { k: 3 })!
      : [h.layer, h.layer];
  const at = (s: HiddenStates, l: number, t: number, k: number) =>
    s.data[(l * s.tokens + t) * HIDDEN + k];
  const mean = new Float64Array(HIDDEN);
  const max = new Float64Array(HIDDEN).fill(-Infinity);
  for (const { states: s } of windows)
    for (let k = 0; k < HIDDEN; k++) {
      let sum = 0;
      for (let l = start; l <= end; l++) for (let t = 0; t < s.tokens; t++) sum += at(s, l, t, k);
      mean[k] += (s.tokens / total) * (sum / s.tokens / (end - start + 1));
      for (let t = 0; t < s.tokens; t++) max[k] = Math.max(max[k], at(s, h.layer, t, k));
    }
  if (h.strategy === 'max') return max;
  if (h.strategy === 'mean-max') return Float64Array.from([...mean, ...max]);
  return mean;
}

const scoreOf = (c: { intercept: number; tokens: Float64Array }) =>
  c.tokens.reduce((s, v) => s + v, c.intercept);

describe.each(DECOMPOSABLE.map((s) => [s]))('%s', (strategy) => {
  const layer = 3;
  it('one window: intercept plus token terms is the score', () => {
    const h = head(strategy, layer, 1);
    const s = states(9, 2);
    const c = tokenContributions(h, [{ states: s, offset: 0 }], 9);
    expect(c.tokens).toHaveLength(9);
    const want = predictHead(h, features(h, [{ states: s, offset: 0 }]))[0];
    expect(Math.abs(scoreOf(c) - want)).toBeLessThan(1e-9);
    // And the same as the app's own pooling (float32).
    const pooled = pool(s, strategy, layer, { k: 3 });
    expect(Math.abs(scoreOf(c) - predictHead(h, pooled)[0])).toBeLessThan(
      1e-6 * (1 + Math.abs(want)),
    );
  });

  it('overlapping windows combine as the batch path combines them', () => {
    const h = head(strategy, layer, 3);
    // 20 tokens read as windows [0, 12) and [8, 20): tokens 8-11 are in both.
    const windows = [
      { states: states(12, 4), offset: 0 },
      { states: states(12, 5), offset: 8 },
    ];
    const c = tokenContributions(h, windows, 20);
    const want = predictHead(h, features(h, windows))[0];
    expect(Math.abs(scoreOf(c) - want)).toBeLessThan(1e-9);
  });
});

it('refuses strategies with no exact split', () => {
  for (const s of ['cls', 'concat-last4', 'weighted-uniform', 'wk'] as const) {
    expect(isDecomposable(s)).toBe(false);
    expect(() =>
      tokenContributions(head(s, 4, 1), [{ states: states(3, 1), offset: 0 }], 3),
    ).toThrow(/no exact split/);
  }
});
