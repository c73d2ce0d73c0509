import { describe, expect, it } from 'vitest';
import {
  STRATEGIES,
  layerSpan,
  pool,
  poolBatch,
  poolFromPooled,
  poolerSupport,
  validLayers,
  type HiddenStates,
  type ParameterFreeStrategy,
  type PooledBatch,
} from '../../src/analysis/pooling.ts';
import { makeNormal } from '../../src/analysis/rng.ts';

const LAYERS = 9;
const TOKENS = 7;
const HIDDEN = 5;
const OPTS = { layerStart: 2, k: 3 };

function states(seed: number, real: number, padValue: number): HiddenStates {
  const normal = makeNormal(seed);
  const data = new Float32Array(LAYERS * TOKENS * HIDDEN);
  const mask = new Uint8Array(TOKENS);
  for (let t = 0; t < TOKENS; t++) mask[t] = t < real ? 1 : 0;
  for (let l = 0; l < LAYERS; l++)
    for (let t = 0; t < TOKENS; t++)
      for (let h = 0; h < HIDDEN; h++)
        data[(l * TOKENS + t) * HIDDEN + h] = mask[t] ? normal() + 0.3 * l : padValue;
  return { data, layers: LAYERS, tokens: TOKENS, hidden: HIDDEN, mask };
}

// Naive float64 references, written from the definitions rather than from the module.
const vec = (s: HiddenStates, l: number, t: number) =>
  Array.from({ length: s.hidden }, (_, h) => s.data[(l * s.tokens + t) * s.hidden + h]);
const realTokens = (s: HiddenStates) => [...s.mask.keys()].filter((t) => s.mask[t] === 1);
const refMean = (s: HiddenStates, l: number) => {
  const ts = realTokens(s);
  return Array.from(
    { length: s.hidden },
    (_, h) => ts.reduce((a, t) => a + vec(s, l, t)[h], 0) / ts.length,
  );
};
const refMax = (s: HiddenStates, l: number) =>
  Array.from({ length: s.hidden }, (_, h) =>
    Math.max(...realTokens(s).map((t) => vec(s, l, t)[h])),
  );
const avg = (vs: number[][]) => vs[0].map((_, h) => vs.reduce((a, v) => a + v[h], 0) / vs.length);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

// R of a QR factorisation via Cholesky of WᵀW: a different algorithm from the module's Gram–Schmidt.
function rByCholesky(cols: number[][]): number[][] {
  const m = cols.length;
  const g = cols.map((a) => cols.map((b) => dot(a, b)));
  const r = g.map(() => new Array<number>(m).fill(0));
  for (let j = 0; j < m; j++) {
    r[j][j] = Math.sqrt(
      g[j][j] - range(0, j - 1).reduce((s, k) => s + r[k][j] ** 2, 0) * (j > 0 ? 1 : 0),
    );
    for (let i = j + 1; i < m; i++)
      r[j][i] =
        (g[j][i] - (j > 0 ? range(0, j - 1).reduce((s, k) => s + r[k][j] * r[k][i], 0) : 0)) /
        r[j][j];
  }
  return r;
}

function refWk(s: HiddenStates, start: number, end: number, w: number): number[] {
  const toks = realTokens(s).slice(0, -1);
  const layers = range(start, end);
  const unified: number[][] = [];
  const variances: number[] = [];
  for (const t of toks) {
    const feats = layers.map((l) => vec(s, l, t));
    const L = feats.length;
    const align: number[] = [];
    const nov: number[] = [];
    for (let k = 0; k < L; k++) {
      const left = range(Math.max(0, k - w), k - 1).filter((i) => i >= 0 && i < k);
      const right = range(k + 1, Math.min(L - 1, k + w)).filter((i) => i > k);
      const win = [...left, ...right, k].map((i) => feats[i]);
      const m = win.length;
      const r = rByCholesky(win);
      const last = r.map((row) => row[m - 1]);
      const top = last.slice(0, -1);
      const colNorms = range(0, m - 2).map((j) => norm(range(0, m - 2).map((i) => r[i][j])));
      const meanRows = range(0, m - 2).map(
        (i) => range(0, m - 2).reduce((a, j) => a + r[i][j] / colNorms[j], 0) / (m - 1),
      );
      const a = dot(meanRows, top) / norm(top);
      align.push(1 / (a * m * 2));
      nov.push(Math.abs(last[m - 1]) / norm(last));
    }
    const sa = align.reduce((a, b) => a + b);
    const sn = nov.reduce((a, b) => a + b);
    const alpha = align.map((a, k) => a / sa + nov[k] / sn);
    const sAlpha = alpha.reduce((a, b) => a + b);
    unified.push(
      range(0, s.hidden - 1).map((h) =>
        feats.reduce((acc, f, k) => acc + (alpha[k] / sAlpha) * f[h], 0),
      ),
    );
    const sims = range(0, L - 2).map(
      (l) => dot(feats[l], feats[l + 1]) / (norm(feats[l]) * norm(feats[l + 1])),
    );
    const mu = sims.reduce((a, b) => a + b) / sims.length;
    variances.push(sims.reduce((a, v) => a + (v - mu) ** 2, 0) / (sims.length - 1));
  }
  const sv = variances.reduce((a, b) => a + b);
  return range(0, s.hidden - 1).map((h) =>
    unified.reduce((acc, u, i) => acc + (variances[i] / sv) * u[h], 0),
  );
}

function reference(s: HiddenStates, strategy: ParameterFreeStrategy, layer: number): number[] {
  switch (strategy) {
    case 'cls':
      return vec(s, layer, 0);
    case 'mean':
      return refMean(s, layer);
    case 'max':
      return refMax(s, layer);
    case 'mean-max':
      return [...refMean(s, layer), ...refMax(s, layer)];
    case 'concat-last4':
      return [0, 1, 2, 3].flatMap((i) => vec(s, layer - i, 0));
    case 'mean-last-k':
      return avg(range(layer - OPTS.k + 1, layer).map((l) => refMean(s, l)));
    case 'weighted-uniform':
      return avg(range(OPTS.layerStart, layer).map((l) => vec(s, l, 0)));
    case 'wk':
      return refWk(s, OPTS.layerStart, layer, 2);
  }
}

const PARAMETER_FREE = Object.keys(STRATEGIES).filter(
  (k) => !STRATEGIES[k as keyof typeof STRATEGIES].needsFit && k !== 'pooler',
) as ParameterFreeStrategy[];

describe('parameter-free pooling', () => {
  const cases = PARAMETER_FREE.flatMap((strategy) =>
    validLayers(strategy, LAYERS, OPTS).map((layer) => [strategy, layer] as const),
  );

  it.each(cases)('%s at layer %i matches the reference and ignores padding', (strategy, layer) => {
    for (const [seed, real] of [
      [1, 5],
      [2, 7],
      [3, 3],
    ]) {
      const padded = states(seed, real, 1e30);
      const out = pool(padded, strategy, layer, OPTS);
      expect(out).toHaveLength(STRATEGIES[strategy].outputSize(HIDDEN));
      const ref = reference(states(seed, real, 0), strategy, layer);
      out.forEach((v, i) =>
        expect(Math.abs(v - ref[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref[i]))),
      );
      expect(pool(states(seed, real, -7), strategy, layer, OPTS)).toEqual(out);
    }
  });

  it('covers every parameter-free strategy', () => {
    expect(new Set(cases.map(([s]) => s))).toEqual(new Set(PARAMETER_FREE));
    expect(PARAMETER_FREE).toHaveLength(8);
  });

  it('pools an all-padding text to zeros rather than NaN or -Infinity', () => {
    const empty = states(4, 0, 1e30);
    for (const s of ['mean', 'max', 'mean-max'] as const)
      expect(pool(empty, s, 3).every((v) => v === 0)).toBe(true);
  });

  it('rejects layers a strategy cannot sit at, and inconsistent shapes', () => {
    const s = states(5, 4, 0);
    expect(() => pool(s, 'concat-last4', 2)).toThrow(RangeError);
    expect(() => pool(s, 'cls', LAYERS)).toThrow(RangeError);
    expect(() => pool({ ...s, tokens: 6 }, 'cls', 0)).toThrow(RangeError);
  });
});

describe('layer axis', () => {
  it.each([
    ['cls', 0, [0, 0]],
    ['concat-last4', 8, [5, 8]],
    ['concat-last4', 2, null],
    ['mean-last-k', 4, [2, 4]],
    ['weighted-uniform', 2, [2, 2]],
    ['wk', 3, null],
    ['wk', 4, [2, 4]],
    ['attention', 8, [2, 8]],
    ['attention', 7, null],
    ['conv1d', 8, [8, 8]],
  ] as const)('%s at %i spans %j', (strategy, layer, span) => {
    expect(layerSpan(strategy, layer, LAYERS, OPTS)).toEqual(span);
  });
});

describe('batches', () => {
  const batch = [states(11, 6, 1e30), states(12, 3, 1e30), states(13, 7, 1e30)];

  it('poolBatch stacks pool per text', () => {
    const { data, rows, dim } = poolBatch(batch, 'mean-max', 6);
    expect([rows, dim]).toEqual([3, 2 * HIDDEN]);
    batch.forEach((s, i) =>
      expect(data.subarray(i * dim, (i + 1) * dim)).toEqual(pool(s, 'mean-max', 6)),
    );
  });

  it('poolFromPooled agrees with pooling the token states', () => {
    const per = (f: (s: HiddenStates, l: number) => Float32Array) => {
      const out = new Float32Array(batch.length * LAYERS * HIDDEN);
      batch.forEach((s, b) => {
        for (let l = 0; l < LAYERS; l++) out.set(f(s, l), (b * LAYERS + l) * HIDDEN);
      });
      return out;
    };
    const pooled: PooledBatch = {
      batch: batch.length,
      layers: LAYERS,
      hidden: HIDDEN,
      cls: per((s, l) => pool(s, 'cls', l)),
      mean: per((s, l) => pool(s, 'mean', l)),
      max: per((s, l) => pool(s, 'max', l)),
    };
    for (const strategy of PARAMETER_FREE.filter((s) => s !== 'wk'))
      for (const layer of validLayers(strategy, LAYERS, OPTS)) {
        const got = poolFromPooled(pooled, strategy, layer, OPTS);
        const want = poolBatch(batch, strategy, layer, OPTS).data;
        expect(got).not.toBeNull();
        got!.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
      }
    expect(poolFromPooled(pooled, 'wk', 8, OPTS)).toBeNull();
    expect(poolFromPooled({ ...pooled, max: undefined }, 'max', 3)).toBeNull();
  });
});

describe('pooler', () => {
  it('is offered for BERT and refused for RoBERTa with a reason', () => {
    expect(poolerSupport('bert')).toEqual({ trained: true });
    const r = poolerSupport('roberta');
    expect(r.trained).toBe(false);
    if (!r.trained) expect(r.reason).toMatch(/untrained/);
  });
});
