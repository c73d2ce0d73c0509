import { describe, expect, it } from 'vitest';
import { tokenDirections } from '../../src/analysis/directions.ts';
import {
  fitLearned,
  initialParams,
  learnedCvPredictions,
  learnedLayerWeights,
  learnedParamCount,
  lossAndGradient,
  predictLearned,
} from '../../src/analysis/learned.ts';
import type { LayerInput, RaggedTokenInput, TokenInput } from '../../src/analysis/learnedInput.ts';
import type { LearnedStrategy } from '../../src/analysis/pooling.ts';
import { kFold } from '../../src/analysis/cvFolds.ts';
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

/** The same tokens without padding: each text's real tokens, text after text (written afresh). */
function ragged(input: TokenInput): RaggedTokenInput {
  const { batch, tokens, hidden } = input;
  const rows: number[] = [];
  const offsets = new Int32Array(batch + 1);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < tokens; t++) if (input.mask[b * tokens + t]) rows.push(b * tokens + t);
    offsets[b + 1] = rows.length;
  }
  const data = new Float32Array(rows.length * hidden);
  rows.forEach((r, i) => data.set(input.data.subarray(r * hidden, (r + 1) * hidden), i * hidden));
  return { kind: 'ragged-tokens', data, offsets, batch, hidden };
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

describe('ragged token input (what the app keeps for Conv1D)', () => {
  it('gives conv1d the same gradient, fit and predictions as the padded input it was cut from', () => {
    const padded = tokenInput(3, 30, 7, 5, 1e30);
    const cut = ragged(padded);
    expect(cut.offsets[30]).toBeLessThan(30 * 7); // padding really was dropped
    const y = Array.from({ length: 30 }, (_, i) => padded.data[i * 35] - padded.data[i * 35 + 6]);
    const p = initialParams('conv1d', padded, SMALL);
    expect(initialParams('conv1d', cut, SMALL)).toEqual(p);
    const a = lossAndGradient('conv1d', padded, y, p, SMALL);
    const b = lossAndGradient('conv1d', cut, y, p, SMALL);
    expect(b.loss).toBeCloseTo(a.loss, 12);
    b.grad.forEach((g, k) => expect(g).toBeCloseTo(a.grad[k], 12));
    const opts = { ...SMALL, epochs: 4, validationFraction: 0.2, seed: 2 };
    const onPadded = fitLearned('conv1d', padded, y, opts);
    const onCut = fitLearned('conv1d', cut, y, opts);
    expect(onCut.featureMean).toEqual(onPadded.featureMean);
    onCut.params.forEach((v, k) => expect(v).toBeCloseTo(onPadded.params[k], 9));
    const rows = Int32Array.of(4, 0, 29, 11);
    predictLearned(onCut, cut, rows).forEach((v, k) =>
      expect(v).toBeCloseTo(predictLearned(onPadded, padded, rows)[k], 9),
    );
    expect(learnedParamCount('conv1d', 0, 5, SMALL)).toBe(p.length);
  });

  it('conv1d predicts a written-out convolution, ReLU and max over each text alone', () => {
    const cut = ragged(tokenInput(7, 6, 6, 3, 1e30));
    const y = Array.from({ length: 6 }, (_, i) => i % 2);
    const f = fitLearned('conv1d', cut, y, { ...SMALL, epochs: 2, seed: 3 });
    const [C, K, H] = [SMALL.channels, 2, 3];
    const x = (t: number, k: number) => (cut.data[t * H + k] - f.featureMean[k]) / f.featureStd[k];
    const expected = Array.from({ length: 6 }, (_, b) => {
      const [from, to] = [cut.offsets[b], cut.offsets[b + 1]];
      let out = f.params[C * K * H + C + C]; // the head's bias
      for (let c = 0; c < C; c++) {
        let best = 0;
        for (let t = from; t < to; t++) {
          let s = f.params[C * K * H + c];
          for (let j = 0; j < K && t + j < to; j++)
            for (let k = 0; k < H; k++) s += f.params[(c * K + j) * H + k] * x(t + j, k);
          best = Math.max(best, s);
        }
        out += f.params[C * K * H + C + c] * best;
      }
      return f.targetMean + f.targetStd * out;
    });
    // To 5e-7: the prepared token table is Float32, the reference reads the tokens in float64.
    predictLearned(f, cut).forEach((v, b) => expect(v).toBeCloseTo(expected[b], 6));
  });

  it('refuses offsets that do not describe the data', () => {
    const cut = ragged(tokenInput(3, 4, 5, 2, 0));
    const y = [1, 2, 3, 4];
    expect(() => fitLearned('conv1d', { ...cut, offsets: cut.offsets.subarray(1) }, y)).toThrow(
      /5 values starting at 0/,
    );
    const falling = cut.offsets.slice();
    falling[2] = falling[1] - 1;
    expect(() => fitLearned('conv1d', { ...cut, offsets: falling }, y)).toThrow(/text 1/);
    expect(() => fitLearned('conv1d', { ...cut, data: cut.data.subarray(2) }, y)).toThrow(
      /values, not/,
    );
    expect(() => fitLearned('attention', cut, y)).toThrow(/per-layer vectors/);
  });
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

/** A new input holding only `rows` of `input`, in that order: the reference a row subset must match. */
function copyRows<T extends LayerInput | TokenInput>(input: T, rows: readonly number[]): T {
  const steps = input.kind === 'tokens' ? input.tokens : input.layers;
  const size = steps * input.hidden;
  const data = new Float32Array(rows.length * size);
  rows.forEach((r, i) => data.set(input.data.subarray(r * size, (r + 1) * size), i * size));
  if (input.kind === 'layers') return { ...input, data, batch: rows.length };
  const mask = new Uint8Array(rows.length * steps);
  rows.forEach((r, i) => mask.set(input.mask.subarray(r * steps, (r + 1) * steps), i * steps));
  return { ...input, data, mask, batch: rows.length };
}

describe('fitting on some rows, and k-fold CV', () => {
  const STRATEGIES = ['weighted-learned', 'attention', 'lstm', 'gru', 'conv1d'] as const;
  const inputFor = (s: LearnedStrategy) =>
    s === 'conv1d' ? tokenInput(8, 40, 5, 4, 1e30) : layerInput(8, 40, 5, 4);
  const targets = (n: number, seed: number) => {
    const normal = makeNormal(seed);
    return Float64Array.from({ length: n }, () => normal());
  };

  it.each(STRATEGIES)('%s on a row subset is the fit on a copy of those rows', (strategy) => {
    const input = inputFor(strategy);
    const y = targets(40, 2);
    const rows = [7, 3, 30, 11, 0, 25, 18, 19, 2, 39, 21, 14];
    const opts = { ...SMALL, epochs: 4, validationFraction: 0.25, seed: 9 };
    const onSubset = fitLearned(strategy, input, y, opts, Int32Array.from(rows));
    const copy = copyRows(input, rows);
    const onCopy = fitLearned(
      strategy,
      copy,
      rows.map((r) => y[r]),
      opts,
    );
    expect(onSubset.params).toEqual(onCopy.params);
    expect(onSubset.featureMean).toEqual(onCopy.featureMean);
    expect(onSubset.history).toEqual(onCopy.history);
    const others = [1, 4, 5, 6];
    expect(predictLearned(onSubset, input, Int32Array.from(others))).toEqual(
      predictLearned(onCopy, copyRows(input, others)),
    );
  });

  it.each(STRATEGIES)(
    '%s CV predicts each row with the model fitted without its fold',
    (strategy) => {
      const input = inputFor(strategy);
      const y = targets(40, 3);
      const opts = { ...SMALL, epochs: 3, seed: 1 };
      const split = { folds: 4, seed: 5 };
      const cv = learnedCvPredictions(strategy, input, y, split, opts);
      expect(cv.fold).toEqual(kFold(40, 4, 5)); // the folds ridge's CV uses for the same seed
      for (let f = 0; f < 4; f++) {
        const train = [...cv.fold.keys()].filter((i) => cv.fold[i] !== f);
        const held = [...cv.fold.keys()].filter((i) => cv.fold[i] === f);
        const fitted = fitLearned(
          strategy,
          copyRows(input, train),
          train.map((i) => y[i]),
          opts,
        );
        const expected = predictLearned(fitted, copyRows(input, held));
        held.forEach((r, k) => expect(cv.predictions[r]).toBeCloseTo(expected[k], 12));
      }
      // Deterministic for a seed; shares of the folds join into the whole.
      expect(learnedCvPredictions(strategy, input, y, split, opts).predictions).toEqual(
        cv.predictions,
      );
      const heard: number[] = [];
      const part = learnedCvPredictions(strategy, input, y, split, opts, [1, 3], (f) =>
        heard.push(f),
      );
      expect(heard).toEqual([1, 3]);
      cv.fold.forEach((f, r) =>
        f === 1 || f === 3
          ? expect(part.predictions[r]).toBe(cv.predictions[r])
          : expect(part.predictions[r]).toBeNaN(),
      );
    },
  );

  it.each(['lstm', 'gru'] as const)(
    '%s reads the leading principal directions of its training rows, whatever the targets',
    (strategy) => {
      // Vectors of rank 2 in 6 dimensions: two directions hold all the variance.
      const normal = makeNormal(21);
      const [batch, layers, hidden] = [50, 4, 6];
      const u = [0, 1].map(() => Array.from({ length: hidden }, () => normal()));
      const data = new Float32Array(batch * layers * hidden);
      for (let v = 0; v < batch * layers; v++) {
        const [a, b] = [normal(), normal()];
        for (let k = 0; k < hidden; k++) data[v * hidden + k] = a * u[0][k] + b * u[1][k];
      }
      const input: LayerInput = { kind: 'layers', data, batch, layers, hidden };
      const opts = { layerStart: 1, units: 2, projection: 2, epochs: 2, seed: 3 };
      const rows = Int32Array.from({ length: 40 }, (_, i) => i);
      const a = fitLearned(strategy, input, targets(batch, 1), opts, rows);
      const b = fitLearned(strategy, input, targets(batch, 2), opts, rows);
      expect(a.projection).toEqual(b.projection);
      const p = a.projection!;
      expect(p.length).toBe(2 * hidden);
      // The projection keeps all the variance of the standardised training vectors.
      let total = 0;
      let kept = 0;
      for (const r of rows)
        for (let l = 1; l < layers; l++) {
          const z = Array.from(
            { length: hidden },
            (_, k) => (data[(r * layers + l) * hidden + k] - a.featureMean[k]) / a.featureStd[k],
          );
          total += z.reduce((s, x) => s + x * x, 0);
          for (let q = 0; q < 2; q++)
            kept += z.reduce((s, x, k) => s + x * p[q * hidden + k], 0) ** 2;
        }
      expect(kept / total).toBeCloseTo(1, 9);
      // A fitted recurrent pooling cannot predict without the directions it read.
      expect(() => predictLearned({ ...a, projection: undefined }, input)).toThrow(/projection/);
    },
  );

  it('refuses rows outside the input', () => {
    const input = layerInput(1, 10, 3, 2);
    const y = targets(10, 1);
    expect(() => fitLearned('attention', input, y, SMALL, Int32Array.of(0, 10))).toThrow(/row 10/);
    expect(() => fitLearned('attention', input, y, SMALL, new Int32Array(0))).toThrow(/no rows/);
  });

  it.each(['weighted-learned', 'attention', 'lstm', 'gru'] as const)(
    '%s parameter count matches its initial vector',
    (strategy) =>
      expect(learnedParamCount(strategy, 5, 4, SMALL)).toBe(
        initialParams(strategy, layerInput(1, 2, 5, 4), SMALL).length,
      ),
  );
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

describe('tokenDirections', () => {
  it('keeps all the spread of token states of rank 2, whatever their scale per dimension', () => {
    const normal = makeNormal(5);
    const [count, hidden] = [300, 6];
    const scale = [1, 1000, 0.01, 3, 1, 50]; // an outlier dimension must not own the directions
    const u = [0, 1].map(() => Array.from({ length: hidden }, () => normal()));
    const tokens = new Float32Array(count * hidden);
    for (let t = 0; t < count; t++) {
      const [a, b] = [normal(), normal()];
      for (let k = 0; k < hidden; k++)
        tokens[t * hidden + k] = scale[k] * (7 + a * u[0][k] + b * u[1][k]);
    }
    const p = tokenDirections(tokens, hidden, 2, 1);
    expect(p.length).toBe(2 * hidden);
    // The directions are found in standardised units and folded back into a map of raw states.
    const mean = Array.from({ length: hidden }, (_, k) => {
      let s = 0;
      for (let t = 0; t < count; t++) s += tokens[t * hidden + k];
      return s / count;
    });
    const std = mean.map((m, k) => {
      let s = 0;
      for (let t = 0; t < count; t++) s += (tokens[t * hidden + k] - m) ** 2;
      return Math.sqrt(s / count);
    });
    // In standardised units the rows of p·diag(std) are orthonormal and span the data.
    const q = [0, 1].map((r) =>
      Array.from({ length: hidden }, (_, k) => p[r * hidden + k] * std[k]),
    );
    const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0);
    expect(dot(q[0], q[0])).toBeCloseTo(1, 6);
    expect(dot(q[1], q[1])).toBeCloseTo(1, 6);
    expect(dot(q[0], q[1])).toBeCloseTo(0, 6);
    let total = 0;
    let kept = 0;
    for (let t = 0; t < count; t++) {
      const z = Array.from(
        { length: hidden },
        (_, k) => (tokens[t * hidden + k] - mean[k]) / std[k],
      );
      total += dot(z, z);
      kept += dot(z, q[0]) ** 2 + dot(z, q[1]) ** 2;
    }
    expect(kept / total).toBeCloseTo(1, 5);
  });

  it('zeroes directions along which the states do not vary', () => {
    // Rank 2 in 5 dimensions, 4 directions asked: the last two would only carry rounding noise.
    const normal = makeNormal(8);
    const u = [0, 1].map(() => Array.from({ length: 5 }, () => normal()));
    const tokens = new Float32Array(200 * 5);
    for (let t = 0; t < 200; t++) {
      const [a, b] = [normal(), normal()];
      for (let k = 0; k < 5; k++) tokens[t * 5 + k] = 1 + a * u[0][k] + b * u[1][k];
    }
    const p = tokenDirections(tokens, 5, 4);
    expect(p.subarray(0, 10).some((v) => v !== 0)).toBe(true);
    expect(Array.from(p.subarray(10))).toEqual(new Array(10).fill(0));
  });

  it('refuses fewer than two token states', () => {
    expect(() => tokenDirections(new Float32Array(3), 3, 2)).toThrow(/two token states/);
  });
});
