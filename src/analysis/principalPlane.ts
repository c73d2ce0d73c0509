// The Fit view's corpus map: a file's pooled vectors on their two leading principal directions, and
// a fitted head's direction seen in that plane. The directions come from Lanczos on the centred
// scatter matrix XcᵀXc, applied by passes over the raw rows (krylov.ts `rowsOperator`, on the SIMD
// kernels where they run): neither the d × d matrix nor a centred copy of the rows is ever made.
// pca2d (project.ts) finds one axis at a time by power iteration, which suits a text's few hundred
// tokens; on 3,000 texts × 3,072 features each of its passes costs as much as a Lanczos step, and
// it needs far more of them, since power iteration closes the gap to the next eigenvalue as
// (λ₂/λ₁)ᵏ where Lanczos closes it as a Chebyshev polynomial does. On such a matrix (40 factors
// with a power-law spread, over noise) this took 13 steps and 0.5 s on two cores, pca2d 4.5 s.

import { rowsOperator } from './krylov.ts';
import type { RidgeModel } from './ridge.ts';
import { makeNormal } from './rng.ts';
import { simdKernels, type Kernels } from './simd.ts';

/** n vectors on their two leading principal directions. */
export interface PrincipalPlane {
  /** The column means the vectors were centred on. */
  mean: Float64Array; // [d]
  /** The two principal directions as unit rows; a row of zeros where the data spans fewer. */
  axes: Float64Array; // [2, d]
  coords: Float64Array; // [n, 2]
  /** Each axis's share of the total variance. */
  explained: [number, number];
  /** Lanczos steps taken: one pass over the rows each. */
  steps: number;
}

export interface PlaneOptions {
  /** The loops the row passes run on (default: the SIMD kernels where they run). */
  kernels?: Kernels;
  /**
   * One value per row (the targets): each axis is turned so its coordinates rise with them, so
   * the picture keeps its orientation from layer to layer. Without it, or where an axis is
   * uncorrelated with them, the axis's largest loading is made positive.
   */
  orientBy?: ArrayLike<number>;
  /** Largest residual ‖Au − θu‖ of either axis, relative to the leading eigenvalue (1e-10). */
  tolerance?: number;
  /** Lanczos steps at most (300); fewer where the data spans fewer dimensions. */
  maxSteps?: number;
  seed?: number;
}

/** A β this small against the total variance ends the Krylov space: the data spans no more. */
const BREAKDOWN = 1e-11;

/** Projects n rows [n, d] on their two leading principal directions (see the header comment). */
export function principalPlane(
  data: Float32Array | Float64Array, // [n, d]
  n: number,
  d: number,
  options: PlaneOptions = {},
): PrincipalPlane {
  if (data.length !== n * d)
    throw new RangeError(`data holds ${data.length} values, not ${n}×${d}`);
  const { tolerance = 1e-10, maxSteps = 300, seed = 20 } = options;
  const kernels = options.kernels === undefined ? simdKernels() : options.kernels;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += data[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= n || 1;
  let total = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) total += (data[i * d + k] - mean[k]) ** 2;

  const axes = new Float64Array(2 * d);
  const coords = new Float64Array(n * 2);
  const explained: [number, number] = [0, 0];
  if (!(total > 0)) return { mean, axes, coords, explained, steps: 0 };

  const ritz = lanczosTop2(data, n, d, mean, total, { kernels, tolerance, maxSteps, seed });
  ritz.vectors.forEach((u, c) => {
    axes.set(u, c * d);
    let captured = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (data[i * d + k] - mean[k]) * u[k];
      coords[i * 2 + c] = s;
      captured += s * s;
    }
    explained[c] = captured / total;
    if (orientation(u, coords, c, n, options.orientBy) < 0) {
      for (let k = 0; k < d; k++) axes[c * d + k] = -u[k];
      for (let i = 0; i < n; i++) coords[i * 2 + c] = -coords[i * 2 + c];
    }
  });
  return { mean, axes, coords, explained, steps: ritz.steps };
}

/** The sign that turns axis c the agreed way (see `PlaneOptions.orientBy`). */
function orientation(
  u: Float64Array,
  coords: Float64Array,
  c: number,
  n: number,
  orientBy: ArrayLike<number> | undefined,
): number {
  if (orientBy) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += orientBy[i] / n;
    let s = 0;
    for (let i = 0; i < n; i++) s += coords[i * 2 + c] * (orientBy[i] - mean);
    if (s !== 0) return Math.sign(s);
  }
  let big = 0;
  for (let k = 0; k < u.length; k++) if (Math.abs(u[k]) > Math.abs(u[big])) big = k;
  return Math.sign(u[big]) || 1;
}

/**
 * The leading two eigenvectors of XcᵀXc (one, or none, where the centred rows span fewer), by
 * Lanczos with full reorthogonalisation, stopping once both Ritz pairs' residuals, read off the
 * tridiagonal matrix, are under `tolerance` × the leading Ritz value.
 */
function lanczosTop2(
  data: Float32Array | Float64Array,
  n: number,
  d: number,
  mean: Float64Array,
  total: number,
  { kernels, tolerance, maxSteps, seed }: Required<Omit<PlaneOptions, 'orientBy'>>,
): { vectors: Float64Array[]; steps: number } {
  const a = rowsOperator(
    {
      x: { data, rows: n, cols: d },
      rows: Int32Array.from({ length: n }, (_, i) => i),
      mean,
      std: new Float64Array(d).fill(1),
    },
    kernels,
  );
  // The centred rows span n − 1 dimensions at most; the start vector may add one outside them.
  const limit = Math.min(maxSteps, d, n);
  const normal = makeNormal(seed);
  let v = Float64Array.from({ length: d }, () => normal());
  scale(v, 1 / norm(v));
  const basis: Float64Array[] = [];
  const alphas: number[] = [];
  const betas: number[] = [];
  for (;;) {
    basis.push(v);
    const w = new Float64Array(d);
    a.times(v, w);
    alphas.push(dot(v, w));
    // Twice against the whole basis ("twice is enough"), the three-term recurrence included.
    for (let pass = 0; pass < 2; pass++)
      for (const q of basis) {
        const s = dot(q, w);
        for (let k = 0; k < d; k++) w[k] -= s * q[k];
      }
    const beta = norm(w);
    const m = alphas.length;
    const isLast = m >= limit || beta <= BREAKDOWN * total;
    // The m × m eigenproblem costs m³: past the first few dozen steps it is read every eighth.
    if (isLast || m <= 32 || m % 8 === 0) {
      const eig = tridiagonalEigen(alphas, betas);
      const top = largestTwo(eig.values);
      const theta = Math.max(eig.values[top[0]], 0);
      // A Ritz pair's residual ‖Au − θu‖ is β times the last entry of its eigenvector.
      const residual = (i: number) => beta * Math.abs(eig.vectors[(m - 1) * m + i]);
      if (isLast || (m >= 2 && top.every((i) => residual(i) <= tolerance * theta))) {
        const kept = top.filter((i) => eig.values[i] > BREAKDOWN * total);
        return { vectors: kept.map((i) => ritzVector(basis, eig.vectors, m, i)), steps: m };
      }
    }
    betas.push(beta);
    v = w;
    scale(v, 1 / beta);
  }
}

/** Ritz vector i: the basis [m] combined by column i of the tridiagonal's eigenvectors [m, m]. */
function ritzVector(basis: Float64Array[], vectors: Float64Array, m: number, i: number) {
  const u = new Float64Array(basis[0].length);
  basis.forEach((q, j) => {
    const y = vectors[j * m + i];
    for (let k = 0; k < u.length; k++) u[k] += y * q[k];
  });
  scale(u, 1 / norm(u));
  return u;
}

/** Indices of the largest two values (one where there is one), largest first. */
function largestTwo(values: Float64Array): number[] {
  const order = Array.from(values.keys()).sort((i, j) => values[j] - values[i]);
  return order.slice(0, 2);
}

/**
 * Eigenvalues and eigenvectors of the symmetric tridiagonal matrix with `diag` [m] on its diagonal
 * and `off` [m − 1] beside it, by implicit QL with Wilkinson shifts (Numerical Recipes' tqli).
 * Eigenvector i is column i of `vectors` [m, m].
 */
function tridiagonalEigen(
  diag: readonly number[],
  off: readonly number[],
): { values: Float64Array; vectors: Float64Array } {
  const m = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(m);
  e.set(off.slice(0, m - 1));
  const z = new Float64Array(m * m);
  for (let i = 0; i < m; i++) z[i * m + i] = 1;
  for (let l = 0; l < m; l++) {
    for (let iteration = 0; ; iteration++) {
      let k = l;
      for (; k < m - 1; k++)
        if (Math.abs(e[k]) <= Number.EPSILON * (Math.abs(d[k]) + Math.abs(d[k + 1]))) break;
      if (k === l) break;
      if (iteration === 60) throw new Error('the tridiagonal eigenvalues did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[k] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let isSplit = false;
      for (let i = k - 1; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // The matrix split here: deflate and start the sweep again.
          d[i + 1] -= p;
          e[k] = 0;
          isSplit = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        for (let t = 0; t < m; t++) {
          const zi = z[t * m + i];
          const zj = z[t * m + i + 1];
          z[t * m + i + 1] = s * zi + c * zj;
          z[t * m + i] = c * zi - s * zj;
        }
      }
      if (isSplit) continue;
      d[l] -= p;
      e[l] = g;
      e[k] = 0;
    }
  }
  return { values: d, vectors: z };
}

/** A fitted head's direction in a principal plane. */
export interface PlaneDirection {
  /** How fast the head's prediction rises per unit along each axis. */
  x: number;
  y: number;
  /** The share of the head's direction (its length) that lies in the plane, 0 to 1. */
  inPlane: number;
}

/**
 * The head's direction in raw feature space, its slopes aₖ = wₖ / σₖ (the prediction's gradient:
 * the model standardises before weighing), projected on the plane's axes [2, d].
 */
export function headDirection(
  model: Pick<RidgeModel, 'weights' | 'scaler'>,
  axes: Float64Array, // [2, d]
): PlaneDirection {
  const { weights } = model;
  const { std } = model.scaler;
  const d = weights.length;
  if (axes.length !== 2 * d)
    throw new RangeError(`the plane has ${axes.length / 2} features, the head ${d}`);
  let x = 0;
  let y = 0;
  let length = 0;
  for (let k = 0; k < d; k++) {
    const slope = weights[k] / std[k];
    x += slope * axes[k];
    y += slope * axes[d + k];
    length += slope * slope;
  }
  return { x, y, inPlane: length > 0 ? Math.min(1, Math.hypot(x, y) / Math.sqrt(length)) : 0 };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

const norm = (a: Float64Array) => Math.sqrt(dot(a, a));

function scale(a: Float64Array, s: number): void {
  for (let k = 0; k < a.length; k++) a[k] *= s;
}
