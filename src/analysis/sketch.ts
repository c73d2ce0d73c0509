// The quick sweep's sketch: a subsampled randomized Hadamard transform (SRHT) that maps every row of
// a wide feature matrix to `dim` coordinates while keeping inner products between rows close on
// average (E[SSᵀ] = I). Ridge on the sketch approximates ridge on the standardised features at the
// same α, for far less work: the d³ factorisation per fold becomes dim³, and the transform costs
// O(n·d·log d) instead of the O(n·d·dim) of a dense random projection.
// Lu, Dhillon, Foster & Ungar, "Faster Ridge Regression via the Subsampled Randomized Hadamard
// Transform", NeurIPS 2013; Tropp, "Improved analysis of the SRHT", 2011.
//
// Features are standardised with the mean and std of all rows first (the labels are never read), so
// every feature weighs the same in the sketch, as it does in the exact fit; ridge on the sketch then
// centres per fold but does not rescale (rescaling sketched coordinates would undo the isometry).

import { columnScaler, type Matrix } from './matrix.ts';
import { makeRng, permutation } from './rng.ts';

/** How a sweep cell's features were reduced before its fit. */
export interface SketchInfo {
  method: 'srht';
  /** Columns of the sketch. */
  dim: number;
  /** Columns of the features it was made from. */
  from: number;
  seed: number;
  /** Independent sketches whose CV predictions were averaged (the sweep sets it; default 1). */
  count?: number;
}

/** In-place fast Walsh–Hadamard transform of x[offset, offset + n), n a power of two (unnormalised). */
export function fwht(x: Float64Array, offset: number, n: number): void {
  for (let h = 1; h < n; h *= 2)
    for (let i = offset; i < offset + n; i += 2 * h)
      for (let j = i; j < i + h; j++) {
        const a = x[j];
        const b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
}

/** Smallest power of two ≥ n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The SRHT sketch of standardised `x`: rows × `dim`, S = (1/√dim)·P·H·D with D random signs over the
 * columns zero-padded to a power of two, H the Walsh–Hadamard matrix and P a choice of `dim` of its
 * rows. Deterministic for a seed; `dim` may not exceed the padded width.
 */
export function srht(x: Matrix, dim: number, seed: number): { sketch: Matrix; info: SketchInfo } {
  const { rows, cols, data } = x;
  const width = nextPow2(cols);
  if (!Number.isInteger(dim) || dim < 1 || dim > width)
    throw new RangeError(`sketch size must be 1..${width} for ${cols} columns, got ${dim}`);
  const { mean, std } = columnScaler(x);
  const rand = makeRng(seed);
  const sign = Float64Array.from({ length: cols }, () => (rand() < 0.5 ? -1 : 1));
  const pick = permutation(width, seed + 1)
    .subarray(0, dim)
    .sort();
  const scale = 1 / Math.sqrt(dim);
  const buf = new Float64Array(width);
  const out = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let k = 0; k < cols; k++) buf[k] = (sign[k] * (data[base + k] - mean[k])) / std[k];
    buf.fill(0, cols);
    fwht(buf, 0, width);
    for (let j = 0; j < dim; j++) out[r * dim + j] = buf[pick[j]] * scale;
  }
  return {
    sketch: { data: out, rows, cols: dim },
    info: { method: 'srht', dim, from: cols, seed },
  };
}
