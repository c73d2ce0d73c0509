import { describe, expect, it } from 'vitest';
import { headDirection, principalPlane } from '../../src/analysis/principalPlane.ts';
import { predictRidge, type RidgeModel } from '../../src/analysis/ridge.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { simdKernels } from '../../src/analysis/simd.ts';
import reference from '../fixtures/pca/reference.json';

/**
 * Coordinates may differ from numpy's by each axis's sign, and by what the Lanczos tolerance
 * (1e-10 of the leading eigenvalue) leaves in the vectors: this much of the axis's largest
 * coordinate. Shares of variance are quadratic in that error.
 */
const COORD_TOLERANCE = 1e-9;
const SHARE_TOLERANCE = 1e-12;

const KERNELS = [
  ['SIMD kernels', simdKernels()],
  ['JavaScript', null],
] as const;

const cases = reference.cases.flatMap((c) =>
  KERNELS.flatMap(([kernelsName, kernels]) =>
    (['f32', 'f64'] as const).map((dtype) => ({ ...c, kernelsName, kernels, dtype })),
  ),
);

describe('principalPlane against numpy’s SVD (tests/fixtures/pca, scripts/pca-reference.py)', () => {
  it.each(cases)(
    '$name ($rows × $cols), $dtype rows, $kernelsName',
    ({ rows: n, cols: d, data, coords, explained, kernels, dtype }) => {
      const x = dtype === 'f32' ? Float32Array.from(data) : Float64Array.from(data);
      const plane = principalPlane(x, n, d, { kernels });
      for (let c = 0; c < 2; c++) {
        const ref = Array.from({ length: n }, (_, i) => coords[i * 2 + c]);
        const ours = Array.from({ length: n }, (_, i) => plane.coords[i * 2 + c]);
        const big = Math.max(...ref.map(Math.abs));
        const sign = Math.sign(ours.reduce((s, v, i) => s + v * ref[i], 0));
        const worst = Math.max(...ours.map((v, i) => Math.abs(v - sign * ref[i])));
        expect(worst / big).toBeLessThan(COORD_TOLERANCE);
        expect(Math.abs(plane.explained[c] - explained[c])).toBeLessThan(SHARE_TOLERANCE);
      }
      // The axes are orthonormal, and the coordinates are the centred rows on them.
      const u = [plane.axes.subarray(0, d), plane.axes.subarray(d)];
      const dot = (a: ArrayLike<number>, b: ArrayLike<number>) =>
        Array.from(a).reduce((s, v, k) => s + v * b[k], 0);
      expect(dot(u[0], u[0])).toBeCloseTo(1, 12);
      expect(dot(u[1], u[1])).toBeCloseTo(1, 12);
      expect(Math.abs(dot(u[0], u[1]))).toBeLessThan(1e-9);
      const centred = Array.from({ length: d }, (_, k) => x[k] - plane.mean[k]);
      expect(plane.coords[0]).toBeCloseTo(dot(centred, u[0]), 9);
      // Lanczos needs a few passes over the rows, never one per feature.
      expect(plane.steps).toBeLessThan(Math.min(n, d));
    },
  );
});

/** Rows with a planted leading direction that the targets follow. */
function rowsFollowing(n: number, d: number, seed: number) {
  const normal = makeNormal(seed);
  const data = new Float32Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = 3 * normal();
    y[i] = t + 0.1 * normal();
    for (let k = 0; k < d; k++) data[i * d + k] = 1 + (k === 0 ? t : 0) + 0.5 * normal();
  }
  return { data, y };
}

describe('principalPlane', () => {
  it('turns each axis to rise with the targets it is given', () => {
    const { data, y } = rowsFollowing(80, 12, 5);
    const up = principalPlane(data, 80, 12, { orientBy: y });
    const down = principalPlane(data, 80, 12, { orientBy: y.map((v) => -v) });
    const along = (p: typeof up) => Array.from(y).reduce((s, v, i) => s + v * p.coords[i * 2], 0);
    expect(along(up)).toBeGreaterThan(0);
    expect(along(down)).toBeLessThan(0);
    for (let i = 0; i < 80; i++) expect(down.coords[i * 2]).toBeCloseTo(-up.coords[i * 2], 9);
  });

  it('gives one axis for rows along one line, and none for identical rows', () => {
    const d = 5;
    const line = new Float64Array(10 * d);
    for (let i = 0; i < 10; i++) for (let k = 0; k < d; k++) line[i * d + k] = 2 + i * (k + 1);
    const one = principalPlane(line, 10, d);
    expect(one.explained[0]).toBeCloseTo(1, 12);
    expect(one.explained[1]).toBe(0);
    expect(one.axes.subarray(d).every((v) => v === 0)).toBe(true);
    expect(one.coords.filter((_, j) => j % 2 === 1).every((v) => v === 0)).toBe(true);

    const same = principalPlane(new Float32Array(12).fill(3), 4, 3);
    expect(same.coords.every((v) => v === 0)).toBe(true);
    expect(same.explained).toEqual([0, 0]);
    expect(same.steps).toBe(0);
  });

  it('takes one row, or two, without failing', () => {
    expect(principalPlane(Float64Array.of(1, 2, 3), 1, 3).explained).toEqual([0, 0]);
    const two = principalPlane(Float64Array.of(0, 0, 3, 4), 2, 2);
    expect(two.explained[0]).toBeCloseTo(1, 12);
    expect(Math.abs(two.coords[0] - two.coords[2])).toBeCloseTo(5, 12);
  });
});

describe('headDirection', () => {
  const d = 7;
  const normal = makeNormal(9);
  const model: RidgeModel = {
    scaler: {
      mean: Float64Array.from({ length: d }, () => normal()),
      std: Float64Array.from({ length: d }, () => 0.5 + Math.abs(normal())),
    },
    weights: Float64Array.from({ length: d }, () => normal()),
    bias: 0.3,
    alpha: 1,
  };
  const rows = Float64Array.from({ length: 30 * d }, () => normal() * 2);
  const plane = principalPlane(rows, 30, d);

  it('is how fast the head’s prediction rises along each axis', () => {
    const direction = headDirection(model, plane.axes);
    // A plain loop: the head's prediction at the centroid and one unit along each axis.
    const at = (c: number, t: number) => {
      const point = Float64Array.from(
        plane.mean,
        (m, k) => m + (c < 0 ? 0 : t * plane.axes[c * d + k]),
      );
      return predictRidge(model, { data: point, rows: 1, cols: d })[0];
    };
    expect(direction.x).toBeCloseTo(at(0, 1) - at(-1, 0), 10);
    expect(direction.y).toBeCloseTo(at(1, 1) - at(-1, 0), 10);
    let length = 0;
    for (let k = 0; k < d; k++) length += (model.weights[k] / model.scaler.std[k]) ** 2;
    expect(direction.inPlane).toBeCloseTo(
      Math.hypot(direction.x, direction.y) / Math.sqrt(length),
      12,
    );
  });

  it('lies wholly in the plane, or wholly out of it, when the head does', () => {
    const along = (u: Float64Array) => ({
      scaler: { mean: new Float64Array(d), std: model.scaler.std },
      weights: Float64Array.from(u, (v, k) => v * model.scaler.std[k]),
    });
    expect(headDirection(along(plane.axes.slice(0, d)), plane.axes).inPlane).toBeCloseTo(1, 12);
    // A direction orthogonal to both axes.
    const off = Float64Array.from({ length: d }, () => normal());
    for (let c = 0; c < 2; c++) {
      const u = plane.axes.subarray(c * d, (c + 1) * d);
      const s = off.reduce((t, v, k) => t + v * u[k], 0);
      for (let k = 0; k < d; k++) off[k] -= s * u[k];
    }
    expect(headDirection(along(off), plane.axes).inPlane).toBeLessThan(1e-12);
  });

  it('refuses a plane of another width', () => {
    expect(() => headDirection(model, new Float64Array(4))).toThrow(RangeError);
  });
});
