/**
 * The ridge solves' WebAssembly SIMD kernels in Chromium, where the Fit view's workers run them:
 * they compile there, and cross-validation on them predicts what it predicts on the JavaScript
 * loops, on each path that uses them (the Gram and Lanczos on it; Lanczos over the rows, its folds
 * in step). The production build's CSP allows compiling WebAssembly ('wasm-unsafe-eval', which
 * ONNX Runtime needs too; see the privacy test), so the built app's workers take the same path.
 */
import { expect, it } from 'vitest';
import { openPage, serveAppInChromium } from '../support/browser.ts';

const env = serveAppInChromium();

it('runs cross-validation on the SIMD kernels in Chromium, as on the JavaScript loops', async () => {
  const page = await openPage(env.browser, env.url);
  const result = await page.evaluate<{
    simd: boolean;
    cases: { mode: string; largest: number; scale: number }[];
  }>(`(async () => {
    const { simdKernels } = await import('/src/analysis/simd.ts');
    const { crossValidate } = await import('/src/analysis/crossValidate.ts');
    const { makeNormal } = await import('/src/analysis/rng.ts');
    const normal = makeNormal(3);
    const cases = [];
    // 600 rows × 300 features: primal, Lanczos on the Gram; 200 × 500 with solver 'krylov':
    // Lanczos over the rows, five folds in step.
    for (const [rows, cols, solver] of [[600, 300, 'auto'], [200, 500, 'krylov']]) {
      const data = new Float32Array(rows * cols);
      for (let i = 0; i < data.length; i++) data[i] = 1 + normal() * (1 + (i % 7));
      const y = Float64Array.from({ length: rows }, (_, i) => data[i * cols] - data[i * cols + 3] + normal());
      const x = { data, rows, cols };
      const simd = crossValidate(x, y, { solver, kernels: simdKernels() });
      const plain = crossValidate(x, y, { solver, kernels: null });
      let largest = 0;
      let scale = 0;
      simd.predictions.forEach((p, a) => p.forEach((v, r) => {
        largest = Math.max(largest, Math.abs(v - plain.predictions[a][r]));
        scale = Math.max(scale, Math.abs(plain.predictions[a][r]));
      }));
      cases.push({ mode: simd.mode, largest, scale });
    }
    return { simd: simdKernels() !== null, cases };
  })()`);
  expect(result.simd).toBe(true);
  expect(result.cases.map((c) => c.mode)).toEqual(['primal', 'krylov']);
  for (const c of result.cases) {
    expect(c.scale).toBeGreaterThan(0.1);
    // Both stop at a residual of 1e-9 of ‖b‖, in sums of another order.
    expect(c.largest / c.scale).toBeLessThan(1e-6);
  }
});
