import { describe, expect, it } from 'vitest';
import { crossValidate, ridgeCV } from '../../src/analysis/crossValidate.ts';
import { scoreCv } from '../../src/analysis/cvFolds.ts';
import type { Matrix } from '../../src/analysis/matrix.ts';
import {
  bestEstimates,
  estimatesOnly,
  SKETCH_SPAN,
  sweepCell,
  sweepGrid,
  withExactCv,
} from '../../src/analysis/sweep.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { fwht, nextPow2, srht } from '../../src/analysis/sketch.ts';
import { standardiseNaively } from '../support/standardise.ts';

// Independent reference: the Walsh–Hadamard matrix by Sylvester's construction, multiplied densely.
function hadamard(n: number): number[][] {
  let h = [[1]];
  while (h.length < n)
    h = [...h.map((r) => [...r, ...r]), ...h.map((r) => [...r, ...r.map((v) => -v)])];
  return h;
}

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const normal = makeNormal(seed);
  const data = new Float64Array(rows * cols);
  // Offsets and uneven scales, so the sketch's own standardisation matters.
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < cols; k++) data[r * cols + k] = 5 + k + (1 + (k % 4)) * normal();
  return { data, rows, cols };
}

/** Standardised over all rows, computed naively (population std). */
function standardised(x: Matrix): Matrix {
  const { rows, cols, data } = x;
  const byRow = Array.from({ length: rows }, (_, r) => data.subarray(r * cols, (r + 1) * cols));
  return { data: Float64Array.from(standardiseNaively(byRow).z.flat()), rows, cols };
}

function dot(x: Matrix, a: number, b: number): number {
  let s = 0;
  for (let k = 0; k < x.cols; k++) s += x.data[a * x.cols + k] * x.data[b * x.cols + k];
  return s;
}

describe('fwht', () => {
  it.each([1, 2, 8, 64])('matches the dense Walsh–Hadamard matrix (n = %i)', (n) => {
    const normal = makeNormal(n);
    const x = Float64Array.from({ length: n + 3 }, () => normal());
    const ref = hadamard(n).map((row) => row.reduce((s, h, j) => s + h * x[2 + j], 0));
    const got = x.slice();
    fwht(got, 2, n); // at an offset, leaving its neighbours alone
    ref.forEach((v, i) => expect(got[2 + i]).toBeCloseTo(v, 12));
    expect([got[0], got[1], got[n + 2]]).toEqual([x[0], x[1], x[n + 2]]);
  });
});

describe('srht', () => {
  it.each([16, 12])(
    'keeps every inner product of the standardised rows when nothing is subsampled (%i columns)',
    (cols) => {
      const x = randomMatrix(30, cols, 1);
      const { sketch, info } = srht(x, nextPow2(cols), 5);
      expect(info).toEqual({ method: 'srht', dim: nextPow2(cols), from: cols, seed: 5 });
      const z = standardised(x);
      for (let a = 0; a < 30; a += 3)
        for (let b = a; b < 30; b += 4) expect(dot(sketch, a, b)).toBeCloseTo(dot(z, a, b), 9);
    },
  );

  it('keeps squared distances close when it does subsample (768 → 384 columns)', () => {
    const x = randomMatrix(40, 768, 2);
    const z = standardised(x);
    const { sketch } = srht(x, 384, 3);
    const errors: number[] = [];
    for (let a = 0; a < 40; a++)
      for (let b = a + 1; b < 40; b++) {
        const exact = dot(z, a, a) + dot(z, b, b) - 2 * dot(z, a, b);
        const approx = dot(sketch, a, a) + dot(sketch, b, b) - 2 * dot(sketch, a, b);
        errors.push(Math.abs(approx / exact - 1));
      }
    errors.sort((p, q) => p - q);
    // A Gaussian projection to 384 dims has relative error ~√(2/384) ≈ 0.07 per pair.
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(0.1);
    expect(errors[errors.length - 1]).toBeLessThan(0.4);
  });

  it('is deterministic for a seed and changes with it', () => {
    const x = randomMatrix(10, 20, 3);
    expect(srht(x, 8, 1).sketch.data).toEqual(srht(x, 8, 1).sketch.data);
    expect(srht(x, 8, 1).sketch.data).not.toEqual(srht(x, 8, 2).sketch.data);
  });

  it('refuses a size it cannot make', () => {
    const x = randomMatrix(4, 20, 4);
    expect(() => srht(x, 33, 1)).toThrow(/1\.\.32 for 20 columns/);
    expect(() => srht(x, 0, 1)).toThrow(/sketch size/);
  });
});

/** Rows driven by a few latent factors, the first of which is the target: features like a layer's. */
function lowRank(rows: number, cols: number, signal: number, seed: number) {
  const normal = makeNormal(seed);
  const rank = 8;
  const latent = Float64Array.from({ length: rows * rank }, () => normal());
  const load = Float64Array.from({ length: rank * cols }, (_, i) =>
    i < cols ? signal * normal() : normal(),
  );
  const data = new Float64Array(rows * cols);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = latent[r * rank] + 0.5 * normal();
    for (let k = 0; k < cols; k++) {
      let v = 2 * normal();
      for (let f = 0; f < rank; f++) v += latent[r * rank + f] * load[f * cols + k];
      data[r * cols + k] = 1 + 3 * v;
    }
  }
  return { x: { data, rows, cols } as Matrix, y };
}

describe('the quick sweep', () => {
  it('fits features no wider than the sketch exactly', () => {
    const { x, y } = lowRank(60, 16, 1, 1);
    const entry = sweepCell({ strategy: 'cls', layer: 0, features: x }, y, { sketch: 16 });
    expect(entry.sketch).toBeUndefined();
    expect(entry.result).toEqual(ridgeCV(x, y));
  });

  it('is exact ridge on the standardised features when the sketch keeps every direction', () => {
    const { x, y } = lowRank(50, 32, 1, 2);
    const entry = sweepCell({ strategy: 'mean', layer: 3, features: x }, y, { sketch: 31 });
    expect(entry.sketch).toEqual({ method: 'srht', dim: 31, from: 32, seed: 42, count: 1 });
    // 32 columns sketched to all 32 Hadamard rows is a rotation: the same fit as the features.
    const full = srht(x, 32, 42).sketch;
    const reference = ridgeCV(standardised(x), y, { standardise: false });
    const rotated = ridgeCV(full, y, { standardise: false });
    reference.scores.forEach((s, a) => expect(rotated.scores[a].rmse).toBeCloseTo(s.rmse, 9));
  });

  it('averages one sketch per SKETCH_SPAN times its size over the wider cells, and lands nearer', () => {
    const { x, y } = lowRank(300, 256, 1, 3);
    const entry = sweepCell({ strategy: 'concat-last4', layer: 3, features: x }, y, { sketch: 64 });
    const count = Math.ceil(256 / (SKETCH_SPAN * 64));
    expect(count).toBeGreaterThan(1);
    expect(entry.sketch?.count).toBe(count);
    // The same average, assembled here from each sketch's own CV predictions.
    const single = Array.from({ length: count }, (_, s) =>
      crossValidate(srht(x, 64, 42 + 7919 * s).sketch, y, { standardise: false }),
    );
    const averaged = {
      ...single[0],
      predictions: single[0].predictions.map((p, a) =>
        p.map((_, r) => single.reduce((sum, c) => sum + c.predictions[a][r], 0) / count),
      ),
    };
    expect(entry.result.rmse).toBeCloseTo(scoreCv(averaged, y).rmse, 12);
    // Averaged sketches recover part of what one loses.
    const exact = ridgeCV(x, y).rmse;
    expect(entry.result.rmse - exact).toBeLessThan(scoreCv(single[0], y).rmse - exact);
  });

  it('ranks cells as the exact sweep does and lands near its RMSE', () => {
    // Three cells whose features carry the target more or less strongly.
    const cells = [0.05, 0.3, 1].map((signal, layer) => ({
      ...lowRank(400, 256, signal, 7),
      layer,
    }));
    const y = cells[0].y; // the same latent draw (seed 7) drives every cell's target
    const entry = (c: (typeof cells)[number], sketch?: number) =>
      sweepCell({ strategy: 'cls', layer: c.layer, features: c.x }, y, { sketch });
    const exact = cells.map((c) => entry(c));
    const quick = cells.map((c) => entry(c, 128));
    quick.forEach((q, i) => {
      expect(q.sketch?.dim).toBe(128);
      // Half the columns lose part of the signal: the estimate reads high, by 4–10% here.
      expect(q.result.rmse).toBeGreaterThan(0.99 * exact[i].result.rmse);
      expect(q.result.rmse).toBeLessThan(1.15 * exact[i].result.rmse);
    });
    const order = (es: typeof exact) =>
      es.map((e) => e.result.rmse).map((_, i, r) => r.filter((v) => v < r[i]).length);
    expect(order(quick)).toEqual(order(exact));
    expect(sweepGrid(quick, 3).best?.layer).toBe(sweepGrid(exact, 3).best?.layer);
  });
});

describe('confirming a quick sweep', () => {
  const sketch = { method: 'srht', dim: 4, from: 8, seed: 42 } as const;
  const entry = (layer: number, rmse: number, sketched = true) => ({
    strategy: 'mean' as const,
    layer,
    dim: 8,
    result: { alpha: 1, rmse, rmseStd: 0, foldRmse: [rmse], scores: [], mode: 'primal' as const },
    ...(sketched ? { sketch } : {}),
  });

  it('picks each strategy’s lowest estimate, best first, and no exact cell', () => {
    const entries = [
      entry(0, 0.9),
      entry(1, 0.5, false),
      entry(2, 0.7),
      { ...entry(3, 0.6), strategy: 'cls' as const },
      { ...entry(4, 0.8), strategy: 'cls' as const },
      { ...entry(5, 0.4, false), strategy: 'max' as const },
    ];
    expect(bestEstimates(entries).map((e) => `${e.strategy}@${e.layer}`)).toEqual([
      'cls@3',
      'mean@2',
    ]);
  });

  it('puts a cell’s exact CV in place of its estimate and keeps the estimate beside it', () => {
    const entries = [entry(0, 0.9), entry(1, 0.7)];
    const exact = { ...entry(1, 0.64).result, alpha: 30 };
    const out = withExactCv(entries, { strategy: 'mean', layer: 1 }, exact);
    expect(out[0]).toBe(entries[0]);
    expect(out[1]).toEqual({ strategy: 'mean', layer: 1, dim: 8, result: exact, estimate: 0.7 });
    expect(out[1].sketch).toBeUndefined();
    // The lines go back to the estimates, so a confirmed cell does not dip below its neighbours.
    const picture = estimatesOnly(out);
    expect(picture.map((e) => e.result.rmse)).toEqual([0.9, 0.7]);
    expect(picture[1].result.alpha).toBe(30);
    expect(out[1].result.rmse).toBe(0.64);
  });
});
