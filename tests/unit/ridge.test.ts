import { describe, expect, it } from 'vitest';
import { DEFAULT_ALPHAS, crossValidate, ridgeCV } from '../../src/analysis/crossValidate.ts';
import { kFold, mergeCvPredictions, type CvPredictions } from '../../src/analysis/cvFolds.ts';
import { cvMode, cvShares } from '../../src/analysis/cvPlan.ts';
import type { Matrix } from '../../src/analysis/matrix.ts';
import { fitRidge, predictRidge } from '../../src/analysis/ridge.ts';
import { sweep, sweepGrid } from '../../src/analysis/sweep.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { solveGauss } from '../support/gauss.ts';
import { maxAbsDiff } from '../support/maxAbsDiff.ts';
import { standardiseNaively } from '../support/standardise.ts';

// Independent reference: standardise naively, form the normal equations, Gaussian elimination.
function referenceFit(rows: number[][], y: number[], alpha: number, standardise = true) {
  const n = rows.length;
  const d = rows[0].length;
  const { mean, std, z } = standardiseNaively(rows, standardise);
  const my = y.reduce((s, v) => s + v, 0) / n;
  const a = Array.from({ length: d }, (_, i) =>
    Array.from(
      { length: d },
      (_, j) => z.reduce((s, r) => s + r[i] * r[j], 0) + (i === j ? alpha : 0),
    ),
  );
  const b = Array.from({ length: d }, (_, k) => z.reduce((s, r, i) => s + r[k] * (y[i] - my), 0));
  const w = solveGauss(a, b);
  return (row: number[]) => my + row.reduce((s, v, k) => s + ((v - mean[k]) / std[k]) * w[k], 0);
}

/** [alphas][folds]: each fold's held-out RMSE under the reference fit on the other folds. */
function referenceFoldRmse(
  rows: number[][],
  y: ArrayLike<number>,
  alphas: number[],
  folds: number,
  foldSeed: number,
  standardise = true,
) {
  const id = kFold(rows.length, folds, foldSeed);
  return alphas.map((alpha) =>
    Array.from({ length: folds }, (_, f) => {
      const tr = rows.flatMap((_, i) => (id[i] !== f ? [i] : []));
      const te = rows.flatMap((_, i) => (id[i] === f ? [i] : []));
      const ref = referenceFit(
        tr.map((i) => rows[i]),
        tr.map((i) => y[i]),
        alpha,
        standardise,
      );
      return Math.sqrt(te.reduce((s, i) => s + (ref(rows[i]) - y[i]) ** 2, 0) / te.length);
    }),
  );
}

function synthetic(n: number, d: number, seed: number) {
  const normal = makeNormal(seed);
  const data = new Float32Array(n * d);
  const y = new Float64Array(n);
  const truth = Array.from({ length: d }, () => normal());
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      // Offsets and uneven scales so standardisation matters; one constant column.
      const v = k === 1 ? 7 : 3 + (k + 1) * normal();
      data[i * d + k] = v;
      s += truth[k] * v;
    }
    y[i] = 0.1 * s + normal();
  }
  const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
  return { x: { data, rows: n, cols: d } as Matrix, y, rows };
}

describe('fitRidge', () => {
  it.each([
    ['primal', 60, 8, 'auto'],
    ['dual', 12, 30, 'auto'],
    ['primal', 60, 8, 'krylov'],
    ['dual', 12, 30, 'krylov'],
  ] as const)('matches the normal equations (%s, %i×%i, solver %s)', (_mode, n, d, solver) => {
    const { x, y, rows } = synthetic(n, d, 1);
    for (const alpha of [0.01, 1, 100]) {
      const model = fitRidge(x, y, alpha, { solver });
      const ref = referenceFit(rows, Array.from(y), alpha);
      const pred = predictRidge(model, x);
      rows.forEach((r, i) => expect(pred[i]).toBeCloseTo(ref(r), 6));
    }
  });
});

describe('ridgeCV', () => {
  it('scores each fold with a model fitted on the other folds only', () => {
    const { x, y, rows } = synthetic(50, 6, 2);
    const alphas = [0.5, 5, 50];
    const cv = ridgeCV(x, y, { alphas, folds: 5, seed: 3 });
    referenceFoldRmse(rows, y, alphas, 5, 3).forEach((foldRmse, a) =>
      foldRmse.forEach((rmse, f) => expect(cv.scores[a].foldRmse[f]).toBeCloseTo(rmse, 8)),
    );
    expect(cv.rmse).toBe(Math.min(...cv.scores.map((s) => s.rmse)));
  });

  it('uses the dual form when features outnumber training rows, with the same answer', () => {
    const { x, y, rows } = synthetic(20, 40, 4);
    const cv = ridgeCV(x, y, { alphas: [3], folds: 4, seed: 1 });
    expect(cv.mode).toBe('dual');
    referenceFoldRmse(rows, y, [3], 4, 1)[0].forEach((rmse, f) =>
      expect(cv.foldRmse[f]).toBeCloseTo(rmse, 8),
    );
  });

  it.each([
    ['primal', 40, 6],
    ['dual', 20, 30],
  ])('only centres the features when told not to standardise (%s)', (mode, n, d) => {
    const { x, y, rows } = synthetic(n, d, 9);
    const cv = ridgeCV(x, y, { alphas: [2], folds: 4, seed: 2, standardise: false });
    expect(cv.mode).toBe(mode);
    referenceFoldRmse(rows, y, [2], 4, 2, false)[0].forEach((rmse, f) =>
      expect(cv.foldRmse[f]).toBeCloseTo(rmse, 8),
    );
  });

  it.each([
    ['primal', 40, 6],
    ['dual', 20, 30],
  ])('gives the same predictions when its folds are shared out and joined (%s)', (_mode, n, d) => {
    const { x, y } = synthetic(n, d, 12);
    const options = { folds: 5, seed: 4 };
    const whole = crossValidate(x, y, options);
    const shares = [
      [0, 2, 4],
      [1, 3],
    ].map((f) => crossValidate(x, y, options, f));
    expect(shares[1].predictions[0].some(Number.isNaN)).toBe(true); // folds 0, 2, 4 left out
    expect(mergeCvPredictions(shares)).toEqual(whole);
    expect(() => mergeCvPredictions([shares[0]])).toThrow(/was predicted by no share of the CV/);
  });

  it.each([
    [40, 6, 5],
    [40, 32, 5], // the largest training fold holds exactly 32 rows: still primal
    [40, 33, 5],
    [21, 17, 5], // folds of 5 and 4 rows: the largest training fold holds 17
    [21, 18, 5],
  ])('shares %i rows × %i columns (%i folds) as crossValidate solves them', (n, d, folds) => {
    const { x, y } = synthetic(n, d, 3);
    const { mode } = crossValidate(x, y, { folds, seed: 1 });
    const shares = cvShares(d, n, folds);
    // Primal keeps its folds in one share (one Gram serves them); dual has a share per fold.
    expect(shares.map((s) => s.folds)).toEqual(
      mode === 'primal' ? [[0, 1, 2, 3, 4]] : [[0], [1], [2], [3], [4]],
    );
    const whole = crossValidate(x, y, { folds, seed: 1 });
    const joined = mergeCvPredictions(
      shares.map((s) => crossValidate(x, y, { folds, seed: 1 }, s.folds)),
    );
    expect(joined).toEqual(whole);
    expect(shares.every((s) => s.cost > 0)).toBe(true);
  });

  it('is deterministic for a seed and changes with it', () => {
    const { x, y } = synthetic(80, 5, 5);
    const a = ridgeCV(x, y, { seed: 7 });
    const b = ridgeCV(x, y, { seed: 7 });
    const c = ridgeCV(x, y, { seed: 8 });
    expect(a).toEqual(b);
    expect(a.foldRmse).not.toEqual(c.foldRmse);
  });

  it('deals balanced folds', () => {
    const id = kFold(103, 5, 0);
    const sizes = [0, 0, 0, 0, 0];
    id.forEach((f) => sizes[f]++);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('rejects bad shapes and alphas', () => {
    const { x, y } = synthetic(10, 2, 6);
    expect(() => ridgeCV(x, y.subarray(1))).toThrow(RangeError);
    expect(() => ridgeCV(x, y, { alphas: [0] })).toThrow(RangeError);
  });
});

describe('Krylov solve', () => {
  /** The largest difference between two CVs' held-out predictions, over every α and row. */
  function largestDifference(a: CvPredictions, b: CvPredictions): number {
    return Math.max(...a.predictions.map((p, s) => maxAbsDiff(p, b.predictions[s])));
  }

  it.each([
    ['more rows than features', 60, 8, true],
    ['more features than rows', 24, 40, true],
    ['centred only', 30, 45, false],
  ])('matches the normal equations fold by fold (%s)', (_case, n, d, standardise) => {
    const { x, y, rows } = synthetic(n, d, 21);
    const alphas = [0.01, 1, 100];
    const cv = ridgeCV(x, y, { alphas, folds: 4, seed: 2, solver: 'krylov', standardise });
    expect(cv.mode).toBe('krylov');
    const ref = referenceFoldRmse(rows, y, alphas, 4, 2, standardise);
    alphas.forEach((_, a) =>
      ref[a].forEach((rmse, f) => expect(cv.scores[a].foldRmse[f]).toBeCloseTo(rmse, 7)),
    );
  });

  it("gives the direct solve's predictions on wide, correlated features, to 1e-6", () => {
    // Four correlated blocks side by side, as concat-last-4 is: 600 features on 180 training rows.
    const normal = makeNormal(31);
    const n = 240;
    const block = 150;
    const base = Array.from({ length: n * block }, () => normal());
    const data = new Float32Array(n * block * 4);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = base[i * block] + 0.5 * normal();
      for (let l = 0; l < 4; l++)
        for (let k = 0; k < block; k++)
          data[(i * 4 + l) * block + k] =
            1 + (k % 5) * (base[i * block + k] + 0.4 * (l + 1) * normal());
    }
    const x = { data, rows: n, cols: 4 * block };
    const options = { alphas: DEFAULT_ALPHAS, folds: 4, seed: 3 };
    const krylov = crossValidate(x, y, { ...options, solver: 'krylov' });
    const direct = crossValidate(x, y, { ...options, solver: 'direct' });
    expect(direct.mode).toBe('dual');
    expect(largestDifference(krylov, direct)).toBeLessThan(1e-6);
  });

  it('solves primal folds by Lanczos on the Gram from 256 features, as the tridiagonalisation does', () => {
    // Many rows per feature, as a 768-feature cell on 2,400 rows: Lanczos converges in a few dozen
    // steps, far inside its cap, so this is its answer and not the fallback's.
    const { x, y } = synthetic(1200, 256, 25);
    const options = { alphas: DEFAULT_ALPHAS, folds: 4, seed: 5 };
    const auto = crossValidate(x, y, options);
    const direct = crossValidate(x, y, { ...options, solver: 'direct' });
    expect(auto.mode).toBe('primal');
    // The targets here run to a few hundred: 1e-8 of their scale.
    const scale = Math.max(...y.map(Math.abs));
    expect(largestDifference(auto, direct)).toBeLessThan(1e-8 * scale);
    const fitted = predictRidge(fitRidge(x, y, 30), x);
    const fittedDirect = predictRidge(fitRidge(x, y, 30, { solver: 'direct' }), x);
    expect(maxAbsDiff(fitted, fittedDirect)).toBeLessThan(1e-8 * scale);
  });

  it('solves a fold directly when Lanczos does not converge within its steps', () => {
    const { x, y } = synthetic(24, 40, 22);
    const options = { alphas: [0.01, 1], folds: 4, seed: 2 };
    const capped = crossValidate(x, y, { ...options, solver: 'krylov', maxKrylovSteps: 2 });
    expect(capped.predictions).toEqual(
      crossValidate(x, y, { ...options, solver: 'direct' }).predictions,
    );
  });

  it('shares its folds out and joins them as the whole CV', () => {
    const { x, y } = synthetic(30, 45, 23);
    const options = { folds: 5, seed: 4, solver: 'krylov' as const };
    const shares = [
      [0, 2, 4],
      [1, 3],
    ].map((f) => crossValidate(x, y, options, f));
    expect(mergeCvPredictions(shares)).toEqual(crossValidate(x, y, options));
  });

  it.each([
    [768, 3000, 'auto', 'primal'],
    [1536, 3000, 'auto', 'primal'], // Krylov would barely tie the direct solve here
    [3072, 3000, 'auto', 'krylov'], // concat-last-4: several times cheaper than the dual kernel
    [3072, 400, 'auto', 'dual'], // few rows: the kernel is small
    [768, 3000, 'krylov', 'krylov'],
    [3072, 3000, 'direct', 'dual'],
  ] as const)('solves %i features on %i rows (%s) by %s', (dim, rows, solver, mode) => {
    expect(cvMode(dim, rows, 5, solver)).toBe(mode);
    // Primal solves all folds from one Gram: one share. Dual solves each fold on its own: a share
    // per fold. Krylov's folds share their passes: two shares, even and odd folds.
    if (solver === 'auto')
      expect(cvShares(dim, rows, 5).map((s) => s.folds)).toEqual(
        {
          primal: [[0, 1, 2, 3, 4]],
          dual: [[0], [1], [2], [3], [4]],
          krylov: [
            [0, 2, 4],
            [1, 3],
          ],
        }[mode],
      );
  });
});

describe('sweep', () => {
  it('finds the layer that carries the signal', () => {
    const normal = makeNormal(9);
    const n = 120;
    const d = 6;
    const y = Float64Array.from({ length: n }, () => normal());
    const cells = [0, 1, 2].map((layer) => {
      const data = new Float32Array(n * d);
      for (let i = 0; i < n; i++)
        for (let k = 0; k < d; k++)
          data[i * d + k] = normal() + (layer === 1 && k === 0 ? 3 * y[i] : 0);
      return { strategy: 'mean' as const, layer, features: { data, rows: n, cols: d } };
    });
    const grid = sweepGrid(sweep(cells, y), 3);
    expect(grid.best?.layer).toBe(1);
    expect(grid.rmse[0]).toHaveLength(3);
    expect(grid.rmse[0].every((v) => v !== null)).toBe(true);
  });
});
