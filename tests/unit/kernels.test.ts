import { describe, expect, it } from 'vitest';
import { KERNELS_WASM } from '../../src/analysis/kernelsWasm.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { simdKernels } from '../../src/analysis/simd.ts';
import { compileKernels } from '../../scripts/kernels.ts';
import { maxAbsDiff } from '../support/maxAbsDiff.ts';

// The SIMD kernels' ridge-level behaviour is tested with the solvers that use them (linalg, krylov
// and ridge tests run on both kernel sets); here, what those do not reach.

describe('the SIMD kernels', () => {
  it('are the committed build of kernels.wat (run `npm run kernels` after editing it)', async () => {
    const built = Buffer.from(await compileKernels()).toString('base64');
    expect(KERNELS_WASM).toBe(built);
  });

  it('keep an orthonormal basis past its first allocation, and orthogonalise against all of it', () => {
    const simd = simdKernels();
    expect(simd).not.toBeNull();
    // d = 157 is odd, so the padding to four is exercised. 150 vectors take the basis past its
    // first 64 rows, so its memory grows twice, over the scratch it held beyond them.
    const d = 157;
    const count = 150;
    const normal = makeNormal(11);
    const basis = simd!.basis(d);
    const vectors: Float64Array[] = [];
    // Gram–Schmidt in plain arithmetic makes the reference basis.
    for (let j = 0; j < count; j++) {
      const v = Float64Array.from({ length: d }, () => normal());
      for (let pass = 0; pass < 2; pass++)
        for (const u of vectors) {
          const h = u.reduce((s, x, k) => s + x * v[k], 0);
          u.forEach((x, k) => (v[k] -= h * x));
        }
      const norm = Math.hypot(...v);
      vectors.push(v.map((x) => x / norm));
      basis.push(vectors[j]);
    }
    expect(basis.size).toBe(count);

    const w = Float64Array.from({ length: d }, () => normal());
    const want = w.slice();
    for (const u of vectors) {
      const h = u.reduce((s, x, k) => s + x * want[k], 0);
      u.forEach((x, k) => (want[k] -= h * x));
    }
    basis.orthogonalise(w);
    expect(maxAbsDiff(w, want)).toBeLessThan(1e-12);
    for (const u of vectors)
      expect(Math.abs(u.reduce((s, x, k) => s + x * w[k], 0))).toBeLessThan(1e-12);

    const y = Float64Array.from({ length: count }, () => normal());
    const combined = basis.combine(y);
    expect(combined.length).toBe(d);
    const sums = Array.from({ length: d }, (_, k) =>
      vectors.reduce((s, u, j) => s + y[j] * u[k], 0),
    );
    expect(maxAbsDiff(combined, sums)).toBeLessThan(1e-12);
  });

  it('grows over its scratch without leaving it in the rows, however narrow the vectors', () => {
    // Six features (padded to eight) and 70 vectors: more than fit orthonormally, which the
    // arithmetic does not need. Past 64 the rows grow over the scratch that held Vᵀw.
    const d = 6;
    const normal = makeNormal(12);
    const basis = simdKernels()!.basis(d);
    const vectors = Array.from({ length: 70 }, () => Float64Array.from({ length: d }, normal));
    const w0 = Float64Array.from({ length: d }, normal);
    vectors.forEach((v, j) => {
      if (j === 64) basis.orthogonalise(w0.slice()); // scratch written just before the growth
      basis.push(v);
    });
    const w = w0.slice();
    basis.orthogonalise(w);
    const want = w0.slice();
    for (let pass = 0; pass < 2; pass++) {
      const h = vectors.map((u) => u.reduce((s, x, k) => s + x * want[k], 0));
      vectors.forEach((u, j) => u.forEach((x, k) => (want[k] -= h[j] * x)));
    }
    const scale = Math.max(...want.map(Math.abs));
    expect(maxAbsDiff(w, want) / scale).toBeLessThan(1e-9);
  });
});
