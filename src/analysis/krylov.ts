// Ridge on wide features for a whole α grid from one Lanczos run. The Krylov spaces of A + αI are
// those of A for every α (shift invariance), so the m steps of Lanczos on A = ZᵀZ, started from
// b = Zᵀc, give the tridiagonal T_m from which each α's solution is a small m × m solve:
// w(α) = V_m (T_m + αI)⁻¹ ‖b‖e₁ (multi-shift CG; Frommer & Maass, SIAM J. Sci. Comput. 1999).
// Each step reads the training rows once, 2·n·d multiply-adds, against the direct solve's n² · d
// kernel and n³ tridiagonalisation; on CommonLit-sized folds the residuals of the whole grid fall
// under the tolerance in a few hundred steps, where the direct solve costs the equivalent of
// thousands. The steps are capped near the direct solve's cost, and a run that does not converge
// within them returns null, so the caller solves directly: never much slower, and always to the
// tolerance. Full reorthogonalisation keeps the basis orthogonal in floating point, so the
// residual read off T_m is the true one.
//
// Rows are standardised in place as they are read, z = (x − mean) / std, so the feature table is
// never copied.

import type { Matrix } from './ridge.ts';

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

/** Steps a Krylov solve typically takes on CommonLit-sized folds (see BENCHMARKS.md). */
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

/**
 * Solves (ZᵀZ + αI)w = Zᵀc for every α, Z the standardised rows and c one target per row (centred
 * on the fold's mean). Null when the residuals stay above the tolerance after `maxSteps` steps.
 */
export function krylovRidge(
  z: StandardisedRows,
  c: Float64Array, // [rows.length]
  alphas: readonly number[],
  maxSteps: number,
  tolerance = KRYLOV_TOLERANCE,
): KrylovSolution | null {
  const d = z.x.cols;
  const b = new Float64Array(d);
  transposeTimes(z, c, b);
  const norm = Math.sqrt(dot(b, b));
  if (norm === 0) return { weights: alphas.map(() => new Float64Array(d)), steps: 0 };
  const limit = Math.min(maxSteps, z.rows.length, d);
  const basis: Float64Array[] = [];
  const diag: number[] = [];
  const off: number[] = [];
  let v = b.map((value) => value / norm);
  let w = new Float64Array(d);
  let scale = 0;
  for (let step = 1; step <= limit; step++) {
    basis.push(v);
    gramTimes(z, v, w);
    const a = dot(v, w);
    diag.push(a);
    // Full reorthogonalisation, twice ("twice is enough"): it takes the place of the three-term
    // recurrence and keeps the basis orthogonal to rounding even as the residuals vanish.
    for (let pass = 0; pass < 2; pass++) for (const u of basis) axpy(-dot(u, w), u, w);
    const beta = Math.sqrt(dot(w, w));
    scale = Math.max(scale, Math.abs(a) + beta);
    const coefficients = alphas.map((alpha) => shiftedSolve(diag, off, norm, alpha));
    const residual = Math.max(...coefficients.map((y) => beta * Math.abs(y[step - 1])));
    // A vanishing β means the Krylov space is invariant: the solutions are exact.
    if (residual <= tolerance * norm || beta <= 1e-14 * scale)
      return { weights: coefficients.map((y) => combine(basis, y, d)), steps: step };
    off.push(beta);
    v = w.map((value) => value / beta);
    w = new Float64Array(d);
  }
  return null;
}

/** y = (T + αI)⁻¹ (norm · e₁) for the symmetric tridiagonal T (Thomas algorithm; T + αI is SPD). */
function shiftedSolve(diag: number[], off: number[], norm: number, alpha: number): Float64Array {
  const m = diag.length;
  const cp = new Float64Array(m);
  const y = new Float64Array(m);
  let den = diag[0] + alpha;
  cp[0] = m > 1 ? off[0] / den : 0;
  y[0] = norm / den;
  for (let i = 1; i < m; i++) {
    den = diag[i] + alpha - off[i - 1] * cp[i - 1];
    cp[i] = i < m - 1 ? off[i] / den : 0;
    y[i] = (-off[i - 1] * y[i - 1]) / den;
  }
  for (let i = m - 2; i >= 0; i--) y[i] -= cp[i] * y[i + 1];
  return y;
}

/** out = ZᵀZv in one pass over the rows: each row's t = z·v, then out += t·z. */
function gramTimes(z: StandardisedRows, v: Float64Array, out: Float64Array): void {
  const { x, rows, mean, std } = z;
  const d = x.cols;
  const data = x.data;
  // z·v = x·(v / std) − mean·(v / std), so the raw row is read as it is stored.
  const u = new Float64Array(d);
  let offset = 0;
  for (let k = 0; k < d; k++) {
    u[k] = v[k] / std[k];
    offset += mean[k] * u[k];
  }
  const acc = new Float64Array(d);
  let sum = 0;
  // Four rows at a time: each load of u and of acc serves four rows. V8 does not vectorise, so
  // this is what keeps the pass near the Gram kernel's speed.
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
  for (let k = 0; k < d; k++) out[k] = (acc[k] - mean[k] * sum) / std[k];
}

/** out = Zᵀc. */
function transposeTimes(z: StandardisedRows, c: Float64Array, out: Float64Array): void {
  const { x, rows, mean, std } = z;
  const d = x.cols;
  let sum = 0;
  out.fill(0);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * d;
    for (let k = 0; k < d; k++) out[k] += c[r] * x.data[base + k];
    sum += c[r];
  }
  for (let k = 0; k < d; k++) out[k] = (out[k] - mean[k] * sum) / std[k];
}

function combine(basis: Float64Array[], y: Float64Array, d: number): Float64Array {
  const w = new Float64Array(d);
  basis.forEach((u, j) => axpy(y[j], u, w));
  return w;
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
