import { beforeAll, describe, expect, it } from 'vitest';
import {
  KRYLOV_TOLERANCE,
  krylovRidge,
  krylovRidgeFolds,
  lowerOperator,
  rowsOperator,
  rowsOperators,
  rowsTransposeTimes,
  type StandardisedRows,
  type SymmetricOperator,
} from '../../src/analysis/krylov.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { simdKernels } from '../../src/analysis/simd.ts';
import { maxAbsDiff } from '../support/maxAbsDiff.ts';
import { standardiseNaively } from '../support/standardise.ts';

// Features with a few strong shared directions over a noise floor, as pooled hidden states have,
// with offsets and uneven scales so the in-place standardisation matters.
function wideRows(n: number, d: number, seed: number) {
  const normal = makeNormal(seed);
  const factors = 5;
  const load = Array.from({ length: factors * d }, () => normal());
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const f = Array.from({ length: factors }, () => normal());
    for (let k = 0; k < d; k++) {
      let v = 0.3 * normal();
      for (let j = 0; j < factors; j++) v += f[j] * load[j * d + k];
      data[i * d + k] = 2 + (1 + (k % 7)) * v;
    }
  }
  return { data, n, d, normal };
}

/** The training rows' standardisation, computed naively. */
const scaling = (data: Float32Array, d: number, rows: number[]) =>
  standardiseNaively(rows.map((r) => data.subarray(r * d, (r + 1) * d)));

/** The training rows' standardisation, computed naively, and the dense ZᵀZ and Zᵀc. */
function reference(data: Float32Array, d: number, rows: number[], c: number[]) {
  const { mean, std, z } = scaling(data, d, rows);
  const a = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => z.reduce((s, row) => s + row[i] * row[j], 0)),
  );
  const b = Array.from({ length: d }, (_, k) => z.reduce((s, row, i) => s + row[k] * c[i], 0));
  return { mean: Float64Array.from(mean), std: Float64Array.from(std), a, b };
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

// Every case runs on the SIMD kernels (products, row passes, basis) and on their JavaScript forms.
describe.each(['SIMD', 'JavaScript'])('krylovRidge (%s kernels)', (name) => {
  const kernels = name === 'SIMD' ? simdKernels() : null;
  // Node runs WebAssembly SIMD, so the SIMD cases do run on the kernels.
  beforeAll(() => expect(kernels !== null).toBe(name === 'SIMD'));
  const { data, n, d, normal } = wideRows(160, 120, 3);
  const rows = Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 !== 1); // a training fold
  const raw = rows.map(() => normal());
  const meanC = raw.reduce((s, v) => s + v, 0) / raw.length;
  const c = raw.map((v) => v - meanC);
  const ref = reference(data, d, rows, c);
  const z: StandardisedRows = {
    x: { data, rows: n, cols: d },
    rows: Int32Array.from(rows),
    mean: ref.mean,
    std: ref.std,
  };
  const alphas = [0.1, 3, 100, 1e4];

  it('solves (ZᵀZ + αI)w = Zᵀc for every α to its tolerance, in fewer steps than the features', () => {
    const solved = krylovRidge(
      rowsOperator(z, kernels),
      rowsTransposeTimes(z, Float64Array.from(c)),
      alphas,
      1000,
      kernels,
    );
    expect(solved).not.toBeNull();
    expect(solved!.steps).toBeLessThan(d);
    alphas.forEach((alpha, s) => {
      const w = solved!.weights[s];
      const residual = ref.b.map(
        (bk, i) => bk - ref.a[i].reduce((sum, aij, j) => sum + aij * w[j], 0) - alpha * w[i],
      );
      // The stopping rule reads the residual off the tridiagonal; the dense product confirms it.
      expect(norm(residual) / norm(ref.b)).toBeLessThan(2 * KRYLOV_TOLERANCE);
    });
  });

  it('solves several folds in step, one pass over the rows a step, as it solves each alone', () => {
    // Wide enough that the pass goes in two blocks of rows, and the last fold's held-out rows fill
    // the second: that fold skips it.
    const wide = wideRows(160, 600, 5);
    const x = { data: wide.data, rows: wide.n, cols: wide.d };
    const all = Array.from({ length: wide.n }, (_, i) => i);
    const folds = [0, 1, 2].map((f) => {
      const train = all.filter((i) => i % 3 !== f);
      const { mean, std } = scaling(wide.data, wide.d, train);
      const fold: StandardisedRows = {
        x,
        rows: Int32Array.from(train),
        mean: Float64Array.from(mean),
        std: Float64Array.from(std),
      };
      // The first fold has nothing to fit: its run ends before the first product, the others go on.
      const target = Float64Array.from(train, (i) => (f === 0 ? 0 : Math.sin(i) + (i % 5)));
      return { fold, b: rowsTransposeTimes(fold, target) };
    });
    // The pass takes the rows fold by fold (each fold's held-out rows together), as CV orders them.
    const order = Int32Array.from([0, 1, 2].flatMap((f) => all.filter((i) => i % 3 === f)));
    const together = krylovRidgeFolds(
      rowsOperators(
        folds.map((f) => f.fold),
        kernels,
        order,
      ),
      folds.map((f) => f.b),
      alphas,
      1000,
      kernels,
    );
    expect(together[0]!.steps).toBe(0);
    folds.forEach(({ fold, b }, f) => {
      const alone = krylovRidge(rowsOperator(fold, kernels), b, alphas, 1000, kernels)!;
      expect(together[f]!.steps).toBe(alone.steps);
      alone.weights.forEach((w, a) => {
        const scale = Math.max(...w.map(Math.abs), 1e-300);
        expect(maxAbsDiff(together[f]!.weights[a], w) / scale).toBeLessThan(1e-10);
      });
    });
  });

  it('gives up (null) when the residuals are still above the tolerance at the step cap', () => {
    expect(
      krylovRidge(
        rowsOperator(z, kernels),
        rowsTransposeTimes(z, Float64Array.from(c)),
        alphas,
        3,
        kernels,
      ),
    ).toBeNull();
  });

  it('returns zero weights at once for targets with nothing to fit', () => {
    const solved = krylovRidge(
      rowsOperator(z, kernels),
      rowsTransposeTimes(z, new Float64Array(rows.length)),
      alphas,
      1000,
      kernels,
    );
    expect(solved!.steps).toBe(0);
    expect(solved!.weights.every((w) => w.every((v) => v === 0))).toBe(true);
  });

  it('solves the same systems from the Gram held as its lower triangle', () => {
    const lower = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) lower[i * d + j] = ref.a[i][j];
    // d = 120 is not a multiple of the four rows a product takes at a time: take 123 of them.
    const e = 123 - d;
    const wider = Array.from({ length: 123 }, (_, i) =>
      Array.from({ length: 123 }, (_, j) => (i < d && j < d ? ref.a[i][j] : i === j ? 50 + i : 0)),
    );
    const lowerWide = new Float64Array(123 * 123);
    for (let i = 0; i < 123; i++) for (let j = 0; j <= i; j++) lowerWide[i * 123 + j] = wider[i][j];
    const b = [...ref.b, ...Array.from({ length: e }, (_, i) => i + 1)];
    for (const [matrix, dim, full] of [
      [lower, d, ref.a],
      [lowerWide, 123, wider],
    ] as const) {
      const rhs = Float64Array.from(b.slice(0, dim));
      const solved = krylovRidge(lowerOperator(matrix, dim, kernels), rhs, alphas, 1000, kernels);
      alphas.forEach((alpha, s) => {
        const w = solved!.weights[s];
        const residual = Array.from(
          rhs,
          (bk, i) => bk - full[i].reduce((sum, aij, j) => sum + aij * w[j], 0) - alpha * w[i],
        );
        expect(norm(residual) / norm(Array.from(rhs))).toBeLessThan(2 * KRYLOV_TOLERANCE);
      });
    }
  });

  describe('on a diagonal matrix, whose solution is known', () => {
    const dim = 1000;
    const rhs = Float64Array.from({ length: dim }, () => normal());
    const shifts = [1e-3, 0.1, 10];
    /** diag(λ) as an operator that counts its products. */
    function diagonal(lambda: (i: number) => number) {
      const l = Float64Array.from({ length: dim }, (_, i) => lambda(i));
      let products = 0;
      const op: SymmetricOperator = {
        dim,
        rank: dim,
        times: (v, out) => {
          products++;
          for (let i = 0; i < dim; i++) out[i] = l[i] * v[i];
        },
      };
      return { l, op, products: () => products };
    }

    it('converges on an even spectrum to w = b / (λ + α)', () => {
      const { l, op } = diagonal((i) => 1 + (99 * i) / (dim - 1));
      const solved = krylovRidge(op, rhs, shifts, 200, kernels);
      expect(solved!.steps).toBeLessThan(200);
      shifts.forEach((alpha, s) => {
        const exact = Array.from(rhs, (b, i) => b / (l[i] + alpha));
        const error = exact.map((v, i) => v - solved!.weights[s][i]);
        expect(norm(error) / norm(exact)).toBeLessThan(1e-8);
      });
    });

    it('stops early, long before its cap, when the residual falls too slowly to reach it', () => {
      // A steep power law needs ~180 steps; with a cap of 150 the run is forecast to miss it.
      const steep = diagonal((i) => 1e4 / (i + 1) ** 2);
      expect(krylovRidge(steep.op, rhs, shifts, 150, kernels)).toBeNull();
      expect(steep.products()).toBeLessThan(75);
      // The same spectrum with room to finish does finish.
      const roomy = diagonal((i) => 1e4 / (i + 1) ** 2);
      expect(krylovRidge(roomy.op, rhs, shifts, 1000, kernels)!.steps).toBeGreaterThan(150);
    });
  });
});
