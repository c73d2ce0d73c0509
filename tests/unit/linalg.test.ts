import { describe, expect, it } from 'vitest';
import {
  addGramLower,
  addGramLowerScalar,
  applyQ,
  applyQt,
  leadingSubspace,
  solveShifted,
  tridiagonalize,
  type Tridiagonal,
} from '../../src/analysis/linalg.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { simdKernels } from '../../src/analysis/simd.ts';
import { solveGauss } from '../support/gauss.ts';
import { maxAbsDiff } from '../support/maxAbsDiff.ts';

// The kernels ridge stands on, each against a plain reference. Sizes cover the kernels' edges:
// d < 3 (no reflection), odd d (the unpaired last row) and n < 4.

const SIZES = [1, 2, 3, 4, 5, 8, 9, 17, 64];

function randomSymmetric(d: number, seed: number): number[][] {
  const normal = makeNormal(seed);
  const a = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      const x = normal();
      a[i][j] = x;
      a[j][i] = x;
    }
  return a;
}

function lowerOf(a: number[][]): Float64Array {
  const d = a.length;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) out[i * d + j] = a[i][j];
  return out;
}

/** T·x for the tridiagonal T. */
function tridiagonalTimes(t: Tridiagonal, x: Float64Array): Float64Array {
  const { d, diag, off } = t;
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    y[i] = diag[i] * x[i];
    if (i > 0) y[i] += off[i - 1] * x[i - 1];
    if (i + 1 < d) y[i] += off[i] * x[i + 1];
  }
  return y;
}

/** Column j of Q·T·Qᵀ. */
function rebuiltColumn(t: Tridiagonal, j: number): Float64Array {
  const e = new Float64Array(t.d);
  e[j] = 1;
  applyQt(t, e);
  const y = tridiagonalTimes(t, e);
  applyQ(t, y);
  return y;
}

type GramArgs = Parameters<typeof addGramLowerScalar>;

describe.each([
  ['SIMD', (...a: GramArgs) => addGramLower(...a, simdKernels())],
  ['JavaScript', addGramLowerScalar],
])('addGramLower (%s)', (kernels, gram) => {
  it('adds every lower-triangle dot product of the feature rows', () => {
    // Node runs WebAssembly SIMD, so the dispatching form must take it here.
    if (kernels === 'SIMD') expect(simdKernels()).not.toBeNull();
    for (const d of SIZES)
      for (const n of [1, 3, 7]) {
        const normal = makeNormal(d * 100 + n);
        const cols = Float64Array.from({ length: d * n }, normal);
        const out = Float64Array.from({ length: d * d }, normal);
        const before = out.slice();
        gram(cols, d, n, out);
        for (let i = 0; i < d; i++)
          for (let j = 0; j < d; j++) {
            let dot = 0;
            for (let k = 0; k < n; k++) dot += cols[i * n + k] * cols[j * n + k];
            // Added below and on the diagonal; the upper triangle is left as it was.
            const want = j <= i ? before[i * d + j] + dot : before[i * d + j];
            expect(Math.abs(out[i * d + j] - want), `d=${d} n=${n} (${i},${j})`).toBeLessThan(
              1e-12,
            );
          }
      }
  });
});

/** The kernels a case names: the SIMD ones, or null for the JavaScript loops. */
const kernelsFor = (name: string) => (name === 'SIMD' ? simdKernels() : null);

// The tridiagonalisation's sweeps run on the SIMD kernel and on their JavaScript form.
describe.each(['SIMD', 'JavaScript'])('tridiagonalize (%s sweeps)', (name) => {
  const kernels = kernelsFor(name);

  it('factors a symmetric matrix as Q·T·Qᵀ with Q orthogonal', () => {
    for (const d of SIZES) {
      const a = randomSymmetric(d, d);
      const t = tridiagonalize(lowerOf(a), d, kernels);
      for (let j = 0; j < d; j++) {
        const col = rebuiltColumn(t, j);
        for (let i = 0; i < d; i++)
          expect(Math.abs(col[i] - a[i][j]), `d=${d} (${i},${j})`).toBeLessThan(1e-12 * d);
      }
      const x = Float64Array.from({ length: d }, makeNormal(7));
      const norm = Math.hypot(...x);
      applyQ(t, x);
      expect(Math.hypot(...x)).toBeCloseTo(norm, 12);
    }
  });

  it('skips columns that are already tridiagonal and still factors the matrix', () => {
    // Column 0 has nothing below its subdiagonal, and row/column 3 is uncoupled from the rest.
    const a = randomSymmetric(6, 3);
    for (let i = 2; i < 6; i++) a[i][0] = a[0][i] = 0;
    for (let i = 0; i < 6; i++) if (i !== 3) a[i][3] = a[3][i] = 0;
    const t = tridiagonalize(lowerOf(a), 6, kernels);
    expect(t.tau[0]).toBe(0);
    for (let j = 0; j < 6; j++) {
      const col = rebuiltColumn(t, j);
      for (let i = 0; i < 6; i++) expect(col[i]).toBeCloseTo(a[i][j], 12);
    }
  });
});

describe.each(['SIMD', 'JavaScript'])('solveShifted (%s sweeps)', (name) => {
  const kernels = kernelsFor(name);

  it('solves (A + αI)x = b for every α of a grid from one factorisation', () => {
    for (const d of SIZES) {
      // A = XᵀX: positive semi-definite, singular when d > rows, as ridge's Grams can be.
      const rows = Math.max(1, d - 2);
      const normal = makeNormal(40 + d);
      const x = Array.from({ length: rows }, () => Array.from({ length: d }, normal));
      const a = Array.from({ length: d }, (_, i) =>
        Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[i] * r[j], 0)),
      );
      const b = Array.from({ length: d }, normal);
      const t = tridiagonalize(lowerOf(a), d, kernels);
      const c = Float64Array.from(b);
      applyQt(t, c);
      for (const alpha of [1e-3, 0.1, 1, 100]) {
        const got = solveShifted(t, c, alpha);
        const want = solveGauss(
          a.map((row, i) => row.map((v, j) => (i === j ? v + alpha : v))),
          b,
        );
        const scale = Math.max(...want.map(Math.abs));
        expect(maxAbsDiff(got, want) / scale, `d=${d} α=${alpha}`).toBeLessThan(1e-9);
      }
    }
  });
});

describe('leadingSubspace', () => {
  /** H·diag(λ)·H with H = I − 2vvᵀ/vᵀv: symmetric, eigenvectors the columns of H. */
  function reflected(lambda: number[], seed: number) {
    const d = lambda.length;
    const normal = makeNormal(seed);
    const v = Array.from({ length: d }, () => normal());
    const vv = v.reduce((s, x) => s + x * x, 0);
    const h = (i: number, j: number) => (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++)
        for (let m = 0; m < d; m++) a[i * d + j] += h(i, m) * lambda[m] * h(m, j);
    return { a, h };
  }
  const gram = (b: Float64Array, k: number, d: number) =>
    Array.from({ length: k * k }, (_, x) => {
      const [r, q] = [Math.floor(x / k), x % k];
      let s = 0;
      for (let j = 0; j < d; j++) s += b[r * d + j] * b[q * d + j];
      return s;
    });

  it('spans the eigenvectors of the k largest eigenvalues, orthonormally', () => {
    const d = 9;
    const k = 3;
    // Eigenvalues out of order, with a gap of 10 after the third largest.
    const lambda = [5, 0.3, 40, 0.2, 0.1, 900, 0.05, 0.4, 0.01];
    const { a, h } = reflected(lambda, 4);
    const b = leadingSubspace(a, d, k, 16, makeNormal(1));
    gram(b, k, d).forEach((g, x) => expect(g).toBeCloseTo(x % (k + 1) === 0 ? 1 : 0, 12));
    // The projector onto the basis equals the one onto the top eigenvectors (columns 5, 2, 0 of H).
    const top = [5, 2, 0];
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let p = 0;
        for (let r = 0; r < k; r++) p += b[r * d + i] * b[r * d + j];
        const expected = top.reduce((s, c) => s + h(i, c) * h(j, c), 0);
        expect(Math.abs(p - expected)).toBeLessThan(1e-9);
      }
  });

  it('stays orthonormal when the matrix has lower rank than k', () => {
    const d = 6;
    const { a, h } = reflected([3, 0, 0, 7, 0, 0], 8); // rank 2
    const b = leadingSubspace(a, d, 4, 10, makeNormal(2));
    gram(b, 4, d).forEach((g, x) => expect(g).toBeCloseTo(x % 5 === 0 ? 1 : 0, 12));
    // Both eigenvectors with non-zero eigenvalues lie in the span.
    for (const c of [0, 3]) {
      let inSpan = 0;
      for (let r = 0; r < 4; r++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += b[r * d + j] * h(j, c);
        inSpan += s * s;
      }
      expect(inSpan).toBeCloseTo(1, 10);
    }
  });

  it('is the same for the same seed', () => {
    const { a } = reflected([1, 2, 3, 4, 5], 3);
    expect(leadingSubspace(a, 5, 2, 5, makeNormal(7))).toEqual(
      leadingSubspace(a, 5, 2, 5, makeNormal(7)),
    );
  });
});
