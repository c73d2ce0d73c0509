// Ridge for a whole α grid from one Lanczos run. The Krylov spaces of A + αI are those of A for
// every α (shift invariance), so m steps of Lanczos on A, started from b, give the tridiagonal T_m
// from which each α's solution is a small m × m solve: w(α) = V_m (T_m + αI)⁻¹ ‖b‖e₁ (multi-shift
// CG; Frommer & Maass, SIAM J. Sci. Comput. 1999). A is ZᵀZ for standardised rows Z, applied either
// through a d × d Gram (a d² product a step) or by a pass over the raw rows (2·n·d a step, where
// the Gram or kernel would cost too much to build). On the sweep bench's folds the residuals of
// the whole grid fall under the tolerance in tens (768 features) to a few hundred (1,536 and 3,072)
// steps, where a direct factorisation costs the equivalent of thousands; a power-law spectrum can
// need many more. So the caller caps the steps near the direct solve's cost, a run forecast to
// miss its cap stops early, and the caller then solves directly: never much slower, and always to
// the tolerance. Full reorthogonalisation keeps the basis orthogonal in floating point, so
// the residual read off T_m is the true one.
//
// Rows are standardised in place as they are read, z = (x − mean) / std, so the feature table is
// never copied.

import { solveTridiagonal } from './linalg.ts';
import type { Matrix } from './ridge.ts';
import { simdKernels, type OrthonormalBasis, type RowPasses } from './simd.ts';

/** A training fold's rows of a raw feature matrix and the standardisation fitted on them. */
export interface StandardisedRows {
  x: Matrix;
  /** Row indices of x that the fold trains on. */
  rows: Int32Array;
  mean: Float64Array; // [cols], raw units
  std: Float64Array; // [cols]
}

/** Largest residual ‖b − (A + αI)w‖ over the grid, relative to ‖b‖, at which the run stops. */
export const KRYLOV_TOLERANCE = 1e-9;

/** Steps a row-pass Krylov solve took on the sweep bench's widest folds (see BENCHMARKS.md). */
export const KRYLOV_TYPICAL_STEPS = 250;

/** Multiply-adds of `steps` Lanczos steps on n rows × d features: the row passes and reorthogonalisation. */
export function krylovCost(n: number, d: number, steps: number): number {
  return steps * 2 * n * d + 2 * steps * steps * d;
}

/** z-unit weights per α of the grid, and the Lanczos steps they took. */
export interface KrylovSolution {
  weights: Float64Array[];
  steps: number;
}

/** A symmetric positive semi-definite d × d matrix, known by its product with a vector. */
export interface SymmetricOperator {
  dim: number;
  /** out = A·v, every entry of out written. */
  times(v: Float64Array, out: Float64Array): void;
  /** A bound on the Krylov space's dimension: the matrix's rank can be no more. */
  rank: number;
}

/** ZᵀZ for a fold's standardised rows, applied by passes over the raw rows. */
export function rowsOperator(z: StandardisedRows): SymmetricOperator {
  const { x, rows } = z;
  const simd = simdKernels();
  // The SIMD pass holds the fold's rows as they are stored, so it takes f32 features only (which is
  // what the engine gives); f64 ones are read in place by the JavaScript pass.
  const pass: RowPasses =
    simd && x.data instanceof Float32Array
      ? simd.rowPasses(x.data, rows, x.cols)
      : (u, offset, acc) => rowPassesScalar(z, u, offset, acc);
  return {
    dim: x.cols,
    rank: Math.min(rows.length, x.cols),
    times: (v, out) => gramTimes(z, pass, v, out),
  };
}

/**
 * A symmetric matrix given by its lower triangle ([d, d] row-major, j ≤ i), as the primal Gram is
 * held. It is mirrored into a full copy once, so each product reads plain rows.
 */
export function lowerOperator(lower: Float64Array, d: number): SymmetricOperator {
  const full = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) full[i * d + j] = full[j * d + i] = lower[i * d + j];
  const simd = simdKernels();
  const times: SymmetricOperator['times'] = simd
    ? simd.symmetric(full, d)
    : (v, out) => fullTimes(full, d, v, out);
  return { dim: d, rank: d, times };
}

/** Zᵀc for a fold's standardised rows and one value per row. */
export function rowsTransposeTimes(z: StandardisedRows, c: Float64Array): Float64Array {
  const { x, rows, mean, std } = z;
  const d = x.cols;
  const out = new Float64Array(d);
  let sum = 0;
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * d;
    for (let k = 0; k < d; k++) out[k] += c[r] * x.data[base + k];
    sum += c[r];
  }
  for (let k = 0; k < d; k++) out[k] = (out[k] - mean[k] * sum) / std[k];
  return out;
}

/**
 * Solves (A + αI)w = b for every α of the grid. Null when the residuals stay above the tolerance
 * after `maxSteps` steps.
 */
export function krylovRidge(
  a: SymmetricOperator,
  b: Float64Array, // [dim]
  alphas: readonly number[],
  maxSteps: number,
  tolerance = KRYLOV_TOLERANCE,
): KrylovSolution | null {
  const d = a.dim;
  const norm = Math.sqrt(dot(b, b));
  if (norm === 0) return { weights: alphas.map(() => new Float64Array(d)), steps: 0 };
  const limit = Math.min(maxSteps, a.rank);
  const basis = simdKernels()?.basis(d) ?? scalarBasis(d);
  const diag: number[] = [];
  const off: number[] = [];
  let v = b.map((value) => value / norm);
  let w = new Float64Array(d);
  let scale = 0;
  const lowest: number[] = []; // the lowest relative residual up to each step
  for (let step = 1; step <= limit; step++) {
    basis.push(v);
    a.times(v, w);
    const ajj = dot(v, w); // T's next diagonal entry
    diag.push(ajj);
    // Full reorthogonalisation, twice ("twice is enough"): it takes the place of the three-term
    // recurrence and keeps the basis orthogonal to rounding even as the residuals vanish.
    basis.orthogonalise(w);
    const beta = Math.sqrt(dot(w, w));
    scale = Math.max(scale, Math.abs(ajj) + beta);
    const start = new Float64Array(step); // ‖b‖e₁: b is the basis's first vector
    start[0] = norm;
    const coefficients = alphas.map((shift) => solveTridiagonal(diag, off, shift, start));
    const residual = Math.max(...coefficients.map((y) => beta * Math.abs(y[step - 1])));
    // A vanishing β means the Krylov space is invariant: the solutions are exact.
    if (residual <= tolerance * norm || beta <= 1e-14 * scale)
      return { weights: coefficients.map((y) => basis.combine(y)), steps: step };
    lowest.push(Math.min(residual / norm, lowest[step - 2] ?? Infinity));
    if (forecast(lowest, tolerance) > limit) return null;
    off.push(beta);
    v = w.map((value) => value / beta);
    w = new Float64Array(d);
  }
  return null;
}

/** out = A·v for a full row-major A, four rows at a time so each load of v serves four rows. */
function fullTimes(a: Float64Array, d: number, v: Float64Array, out: Float64Array): void {
  let i = 0;
  for (; i + 3 < d; i += 4) {
    const r0 = i * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < d; j++) {
      const vj = v[j];
      s0 += a[r0 + j] * vj;
      s1 += a[r1 + j] * vj;
      s2 += a[r2 + j] * vj;
      s3 += a[r3 + j] * vj;
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += a[i * d + j] * v[j];
    out[i] = s;
  }
}

/** Steps after which the forecast is first made, and how far back it looks for the rate. */
const FORECAST_FROM = 40;
const FORECAST_WINDOW = 20;

/**
 * The step at which the residual will reach the tolerance, at the rate its lowest value so far
 * fell over the last FORECAST_WINDOW steps (Infinity when it did not fall). The residual of a
 * Lanczos solve is not monotone, so the rate is read off its running minimum. CG's convergence
 * speeds up as it goes, so the forecast errs late; a run forecast to end past its cap is stopped
 * early, which costs a hard spectrum (a power law, say, where 768 features can need 600 steps) a
 * few dozen steps instead of the whole cap before the direct solve.
 */
function forecast(lowest: number[], tolerance: number): number {
  const step = lowest.length;
  if (step < FORECAST_FROM) return 0;
  const now = lowest[step - 1];
  const rate = (now / lowest[step - 1 - FORECAST_WINDOW]) ** (1 / FORECAST_WINDOW);
  return rate < 1 ? step + Math.log(tolerance / now) / Math.log(rate) : Infinity;
}

/** out = ZᵀZv in one pass over the rows: each row's t = z·v, then out += t·z. */
function gramTimes(z: StandardisedRows, pass: RowPasses, v: Float64Array, out: Float64Array): void {
  const { mean, std } = z;
  const d = z.x.cols;
  // z·v = x·(v / std) − mean·(v / std), so the raw row is read as it is stored.
  const u = new Float64Array(d);
  let offset = 0;
  for (let k = 0; k < d; k++) {
    u[k] = v[k] / std[k];
    offset += mean[k] * u[k];
  }
  const acc = new Float64Array(d);
  const sum = pass(u, offset, acc);
  for (let k = 0; k < d; k++) out[k] = (acc[k] - mean[k] * sum) / std[k];
}

/** The row pass in plain JavaScript: for f64 features, where WebAssembly SIMD is missing, and as reference. */
export function rowPassesScalar(
  z: StandardisedRows,
  u: Float64Array,
  offset: number,
  acc: Float64Array,
): number {
  const { x, rows } = z;
  const d = x.cols;
  const data = x.data;
  let sum = 0;
  // Four rows at a time: each load of u and of acc serves four rows.
  let r = 0;
  for (; r + 3 < rows.length; r += 4) {
    const a = rows[r] * d;
    const b = rows[r + 1] * d;
    const e = rows[r + 2] * d;
    const f = rows[r + 3] * d;
    let s0 = -offset;
    let s1 = -offset;
    let s2 = -offset;
    let s3 = -offset;
    for (let k = 0; k < d; k++) {
      const uk = u[k];
      s0 += data[a + k] * uk;
      s1 += data[b + k] * uk;
      s2 += data[e + k] * uk;
      s3 += data[f + k] * uk;
    }
    for (let k = 0; k < d; k++)
      acc[k] += s0 * data[a + k] + s1 * data[b + k] + s2 * data[e + k] + s3 * data[f + k];
    sum += s0 + s1 + s2 + s3;
  }
  for (; r < rows.length; r++) {
    const a = rows[r] * d;
    let s = -offset;
    for (let k = 0; k < d; k++) s += data[a + k] * u[k];
    for (let k = 0; k < d; k++) acc[k] += s * data[a + k];
    sum += s;
  }
  return sum;
}

/** The orthonormal basis in plain JavaScript, where WebAssembly SIMD is missing. */
function scalarBasis(d: number): OrthonormalBasis {
  const vectors: Float64Array[] = [];
  return {
    get size() {
      return vectors.length;
    },
    push: (v) => vectors.push(v),
    orthogonalise(w) {
      for (let pass = 0; pass < 2; pass++) {
        const h = vectors.map((u) => dot(u, w));
        vectors.forEach((u, j) => axpy(-h[j], u, w));
      }
    },
    combine(y) {
      const w = new Float64Array(d);
      vectors.forEach((u, j) => axpy(y[j], u, w));
      return w;
    },
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < a.length; i += 2) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
  }
  if (i < a.length) s0 += a[i] * b[i];
  return s0 + s1;
}

function axpy(s: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += s * x[i];
}
