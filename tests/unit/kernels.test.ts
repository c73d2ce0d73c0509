import { describe, expect, it } from 'vitest';
import { KERNELS_WASM } from '../../src/analysis/kernelsWasm.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { simdKernels } from '../../src/analysis/simd.ts';
import { compileKernels } from '../../scripts/kernels.ts';

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
    const d = 157; // odd, so the padding to four is exercised
    const count = 150; // past the first 64 rows, so the basis's memory grows twice
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
    for (let k = 0; k < d; k++) expect(Math.abs(w[k] - want[k])).toBeLessThan(1e-12);
    for (const u of vectors)
      expect(Math.abs(u.reduce((s, x, k) => s + x * w[k], 0))).toBeLessThan(1e-12);

    const y = Float64Array.from({ length: count }, () => normal());
    const combined = basis.combine(y);
    expect(combined.length).toBe(d);
    for (let k = 0; k < d; k++) {
      const sum = vectors.reduce((s, u, j) => s + y[j] * u[k], 0);
      expect(Math.abs(combined[k] - sum)).toBeLessThan(1e-12);
    }
  });
});
