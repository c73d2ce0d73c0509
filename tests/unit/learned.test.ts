import { describe, expect, it } from 'vitest';
import {
  fitLearned,
  initialParams,
  learnedLayerWeights,
  lossAndGradient,
  predictLearned,
  type LayerInput,
  type TokenInput,
} from '../../src/analysis/learned.ts';
import type { LearnedStrategy } from '../../src/analysis/pooling.ts';
import { fitRidge, predictRidge } from '../../src/analysis/ridge.ts';
import { makeNormal } from '../../src/analysis/rng.ts';

function layerInput(seed: number, batch: number, layers: number, hidden: number): LayerInput {
  const normal = makeNormal(seed);
  const data = Float32Array.from({ length: batch * layers * hidden }, () => normal());
  return { kind: 'layers', data, batch, layers, hidden };
}

function tokenInput(
  seed: number,
  batch: number,
  tokens: number,
  hidden: number,
  pad: number,
): TokenInput {
  const normal = makeNormal(seed);
  const mask = new Uint8Array(batch * tokens);
  const data = new Float32Array(batch * tokens * hidden);
  for (let b = 0; b < batch; b++) {
    const real = 2 + (b % (tokens - 1));
    for (let t = 0; t < tokens; t++) {
      mask[b * tokens + t] = t < real ? 1 : 0;
      for (let h = 0; h < hidden; h++)
        data[(b * tokens + t) * hidden + h] = t < real ? normal() : pad;
    }
  }
  return { kind: 'tokens', data, mask, batch, tokens, hidden };
}

const SMALL = { layerStart: 1, units: 3, projection: 4, channels: 3 };

describe('gradients match finite differences', () => {
  it.each(['weighted-learned', 'attention', 'lstm', 'gru', 'conv1d'] as LearnedStrategy[])(
    '%s',
    (strategy) => {
      const input = strategy === 'conv1d' ? tokenInput(1, 4, 5, 6, 1e30) : layerInput(1, 4, 5, 6);
      const normal = makeNormal(2);
      const y = Array.from({ length: 4 }, () => normal());
      // Larger random parameters than the init so every path (gates, softmax) is exercised.
      const p = initialParams(strategy, input, SMALL).map(() => 0.5 * normal());
      const { grad } = lossAndGradient(strategy, input, y, p, SMALL);
      const eps = 1e-6;
      let worst = 0;
      for (let k = 0; k < p.length; k++) {
        const plus = p.slice();
        const minus = p.slice();
        plus[k] += eps;
        minus[k] -= eps;
        const fd =
          (lossAndGradient(strategy, input, y, plus, SMALL).loss -
            lossAndGradient(strategy, input, y, minus, SMALL).loss) /
          (2 * eps);
        worst = Math.max(
          worst,
          Math.abs(fd - grad[k]) / Math.max(1e-3, Math.abs(fd) + Math.abs(grad[k])),
        );
      }
      expect(worst).toBeLessThan(1e-5);
      expect(grad.some((g) => g !== 0)).toBe(true);
    },
  );
});

describe('training', () => {
  it.each(['weighted-learned', 'attention', 'lstm', 'gru', 'conv1d'] as LearnedStrategy[])(
    '%s reduces training loss and is deterministic for a seed',
    (strategy) => {
      const input = strategy === 'conv1d' ? tokenInput(3, 60, 6, 5, 1e30) : layerInput(3, 60, 5, 5);
      const y = Array.from(
        { length: 60 },
        (_, i) => input.data[i * (input.data.length / 60)] * 2 + 1,
      );
      const opts = { ...SMALL, epochs: 15, seed: 4 };
      const a = fitLearned(strategy, input, y, opts);
      expect(a.history.train.at(-1)!).toBeLessThan(a.history.train[0]);
      const b = fitLearned(strategy, input, y, opts);
      expect(b.params).toEqual(a.params);
      const pred = predictLearned(a, input);
      expect(pred.every(Number.isFinite)).toBe(true);
    },
  );

  it('conv1d predictions ignore whatever is stored in padded tokens', () => {
    const y = Array.from({ length: 20 }, (_, i) => i % 3);
    const fitted = fitLearned('conv1d', tokenInput(5, 20, 6, 4, 0), y, { ...SMALL, epochs: 3 });
    const a = predictLearned(fitted, tokenInput(5, 20, 6, 4, 1e30));
    const b = predictLearned(fitted, tokenInput(5, 20, 6, 4, -3));
    expect(a).toEqual(b);
  });

  it('early stopping keeps the best validation epoch', () => {
    const input = layerInput(6, 80, 4, 4);
    const y = Array.from({ length: 80 }, (_, i) => input.data[i * 16 + 12]);
    const f = fitLearned('attention', input, y, {
      ...SMALL,
      epochs: 30,
      validationFraction: 0.25,
      patience: 3,
    });
    expect(f.history.validation.length).toBe(f.history.train.length);
    expect(f.history.validation.length).toBeGreaterThan(0);
  });

  it('learned layer weights beat uniform weights when the signal lives in one layer', () => {
    // Six layers; only layer 4 carries the target, every other layer is independent noise.
    const n = 400;
    const layers = 6;
    const hidden = 8;
    const normal = makeNormal(11);
    const data = new Float32Array(n * layers * hidden);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++)
      for (let l = 0; l < layers; l++)
        for (let h = 0; h < hidden; h++) {
          const v = normal();
          data[(i * layers + l) * hidden + h] = v;
          if (l === 4 && h < 2) y[i] += v;
        }
    const train = {
      kind: 'layers' as const,
      data: data.subarray(0, 300 * layers * hidden),
      batch: 300,
      layers,
      hidden,
    };
    const test = {
      kind: 'layers' as const,
      data: data.subarray(300 * layers * hidden),
      batch: 100,
      layers,
      hidden,
    };
    const opts = { layerStart: 1, epochs: 80, learningRate: 0.03, seed: 1 };
    const fitted = fitLearned('weighted-learned', train, y.subarray(0, 300), opts);
    const rmse = (p: ArrayLike<number>) =>
      Math.sqrt(Array.from(p).reduce((s, v, i) => s + (v - y[300 + i]) ** 2, 0) / 100);
    const learned = rmse(predictLearned(fitted, test));

    // Parameter-free counterpart: uniform weights over layers 1..5, then the best ridge head.
    const uniform = (inp: typeof train) => {
      const out = new Float32Array(inp.batch * hidden);
      for (let i = 0; i < inp.batch; i++)
        for (let l = 1; l < layers; l++)
          for (let h = 0; h < hidden; h++)
            out[i * hidden + h] += inp.data[(i * layers + l) * hidden + h] / (layers - 1);
      return { data: out, rows: inp.batch, cols: hidden };
    };
    const ridge = Math.min(
      ...[0.01, 1, 10, 100].map((alpha) =>
        rmse(predictRidge(fitRidge(uniform(train), y.subarray(0, 300), alpha), uniform(test))),
      ),
    );
    expect(learned).toBeLessThanOrEqual(ridge);
    const w = learnedLayerWeights(fitted, layers);
    expect(w.indexOf(Math.max(...w))).toBe(3); // layer 4 is index 3 from layerStart 1
  });
});

describe('input checks', () => {
  it('refuses the wrong kind of input and bad shapes', () => {
    expect(() => fitLearned('conv1d', layerInput(1, 3, 3, 2), [1, 2, 3])).toThrow(TypeError);
    expect(() => fitLearned('lstm', layerInput(1, 3, 3, 2), [1, 2], { layerStart: 0 })).toThrow(
      RangeError,
    );
    expect(() => fitLearned('gru', layerInput(1, 3, 3, 2), [1, 2, 3], { layerStart: 3 })).toThrow(
      RangeError,
    );
  });
});
