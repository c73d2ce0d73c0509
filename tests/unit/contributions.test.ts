/**
 * Exact token contributions against the head applied to pooled features computed here by plain
 * float64 loops (and, for one window, by analysis/pooling's own pool): intercept plus the tokens'
 * terms equals the score to 1e-9 (1e-6 against pool's float32 output), one window and several.
 */
import { describe, expect, it } from 'vitest';
import {
  ContributionSum,
  DECOMPOSABLE,
  isDecomposable,
  tokenContributions,
} from '../../src/analysis/contributions.ts';
import { predictHead, type RidgeHead } from '../../src/analysis/head.ts';
import { pool, type HiddenStates } from '../../src/analysis/pooling.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { tokenWindows } from '../../src/engine/encode.ts';
import { splitScore, windowedFeatures } from '../support/windowPooling.ts';

const LAYERS = 5;
const positions = (from: number, n: number) => Int32Array.from({ length: n }, (_, i) => from + i);
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

describe.each(DECOMPOSABLE.map((s) => [s]))('%s', (strategy) => {
  const layer = 3;
  it('one window: intercept plus token terms is the score', () => {
    const h = head(strategy, layer, 1);
    const s = states(9, 2);
    const one = [{ states: s, positions: positions(0, 9) }];
    const c = tokenContributions(h, one, 9);
    expect(c.tokens).toHaveLength(9);
    const want = predictHead(h, windowedFeatures(h, one))[0];
    expect(Math.abs(splitScore(c) - want)).toBeLessThan(1e-9);
    // And the same as the app's own pooling (float32).
    const pooled = pool(s, strategy, layer, { k: 3 });
    expect(Math.abs(splitScore(c) - predictHead(h, pooled)[0])).toBeLessThan(
      1e-6 * (1 + Math.abs(want)),
    );
  });

  it('overlapping windows combine as the batch path combines them', () => {
    const h = head(strategy, layer, 3);
    // 30 tokens read as the engine reads them with 12-token windows: each window repeats the
    // opening and closing special tokens, and neighbouring windows share body tokens.
    const ids = Array.from({ length: 30 }, (_, i) => i);
    const cut = tokenWindows(ids, 12, 2);
    expect(cut.length).toBeGreaterThan(2);
    const windows = cut.map((w, i) => ({
      states: states(w.ids.length, 4 + i),
      positions: w.positions,
    }));
    const c = tokenContributions(h, windows, 30);
    const want = predictHead(h, windowedFeatures(h, windows))[0];
    expect(Math.abs(splitScore(c) - want)).toBeLessThan(1e-9);
    // Streaming the windows one by one gives the same terms.
    const sum = new ContributionSum(
      h,
      30,
      cut.reduce((n, w) => n + w.ids.length, 0),
      LAYERS,
    );
    for (const w of windows) sum.add(w);
    expect(Array.from(sum.result().tokens)).toEqual(Array.from(c.tokens));
  });
});

it('refuses strategies with no exact split', () => {
  for (const s of ['cls', 'concat-last4', 'weighted-uniform', 'wk'] as const) {
    expect(isDecomposable(s)).toBe(false);
    expect(() =>
      tokenContributions(head(s, 4, 1), [{ states: states(3, 1), positions: positions(0, 3) }], 3),
    ).toThrow(/no exact split/);
  }
});
