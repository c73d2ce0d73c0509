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
// Rows are standardised as they are read, z = (x − mean) / std, so the raw features serve every
// fold. The folds of one cross-validation run in step (a run is a generator that yields the
// vector it needs multiplied), so one pass over the rows applies every fold's operator. The
// products and the basis run on the kernels the caller passes (simd.ts), or in JavaScript.

import { solveTridiagonal } from './linalg.ts';
import type { Matrix } from './matrix.ts';
import type { FoldPasses, Kernels, OrthonormalBasis } from './simd.ts';

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

/** Several symmetric operators of one size, applied together: one per fold of a cross-validation. */
export interface FoldOperators {
  dim: number;
  /** Per fold, a bound on its Krylov space's dimension. */
  ranks: number[];
  /** outs[f] = A_f·vs[f] for each fold f whose vector is given (null: that fold is not asked). */
  times(vs: readonly (Float64Array | null)[], outs: readonly Float64Array[]): void;
}

/**
 * ZᵀZ for each fold's standardised rows, all folds of one feature matrix applied by a single pass
 * over its raw rows. Each fold weighs its own rows 1 and the others 0, and the pass goes a
 * cache-sized block of rows at a time through every fold, so the rows come from memory once per
 * product of all the folds, not once per fold (a fold of 3,072 f32 features is ~30 MB, past the
 * caches). Where WebAssembly SIMD is missing, or the features are f64, each fold's rows are read
 * in place by a JavaScript pass of their own.
 */
export function rowsOperators(
  folds: readonly StandardisedRows[],
  kernels: Kernels,
  /** The order the pass takes the rows in (default: as stored); grouping the folds' rows skips work. */
  order?: Int32Array,
): FoldOperators {
  const { x } = folds[0];
  if (folds.some((z) => z.x !== x)) throw new Error('the folds must share one feature matrix');
  const d = x.cols;
  let passes: FoldPasses;
  if (kernels && x.data instanceof Float32Array) {
    const members = folds.map((z) => {
      const weights = new Float64Array(x.rows);
      for (const r of z.rows) weights[r] = 1;
      return weights;
    });
    const rows = order ?? Int32Array.from({ length: x.rows }, (_, r) => r);
    passes = kernels.foldPasses(x.data, x.rows, d, members, rows);
  } else {
    passes = (us, offsets, accs) =>
      us.map((u, f) => (u ? rowPassesScalar(folds[f], u, offsets[f], accs[f]) : 0));
  }
  return {
    dim: d,
    ranks: folds.map((z) => Math.min(z.rows.length, d)),
    times(vs, outs) {
      // z·v = x·(v / std) − mean·(v / std), so the raw rows are read as they are stored.
      const us = vs.map((v, f) => v && v.map((vk, k) => vk / folds[f].std[k]));
      const offsets = us.map((u, f) =>
        u ? u.reduce((s, uk, k) => s + folds[f].mean[k] * uk, 0) : 0,
      );
      const accs = vs.map((v) => (v ? new Float64Array(d) : EMPTY));
      const sums = passes(us, offsets, accs);
      vs.forEach((v, f) => {
        if (!v) return;
        const { mean, std } = folds[f];
        for (let k = 0; k < d; k++) outs[f][k] = (accs[f][k] - mean[k] * sums[f]) / std[k];
      });
    },
  };
}

const EMPTY = new Float64Array(0);

/** ZᵀZ for one fold's standardised rows, applied by passes over the raw rows. */
export function rowsOperator(z: StandardisedRows, kernels: Kernels): SymmetricOperator {
  const one = rowsOperators([z], kernels);
  return { dim: one.dim, rank: one.ranks[0], times: (v, out) => one.times([v], [out]) };
}

/**
 * A symmetric matrix given by its lower triangle ([d, d] row-major, j ≤ i), as the primal Gram is
 * held. The SIMD kernels read it by halves; the JavaScript product mirrors it into a full copy
 * once, so each product reads plain rows.
 */
export function lowerOperator(lower: Float64Array, d: number, kernels: Kernels): SymmetricOperator {
  if (kernels) return { dim: d, rank: d, times: kernels.symmetric(lower, d) };
  const full = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) full[i * d + j] = full[j * d + i] = lower[i * d + j];
  return { dim: d, rank: d, times: (v, out) => fullTimes(full, d, v, out) };
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
 * Solves (A + αI)w = b for every α of the grid, the Lanczos basis held by `kernels`. Null when the
 * residuals stay above the tolerance after `maxSteps` steps.
 */
export function krylovRidge(
  a: SymmetricOperator,
  b: Float64Array, // [dim]
  alphas: readonly number[],
  maxSteps: number,
  kernels: Kernels,
  tolerance = KRYLOV_TOLERANCE,
): KrylovSolution | null {
  const [solution] = krylovRidgeFolds(
    { dim: a.dim, ranks: [a.rank], times: ([v], [out]) => a.times(v!, out) },
    [b],
    alphas,
    maxSteps,
    kernels,
    tolerance,
  );
  return solution;
}

/**
 * `krylovRidge` for each fold's system (A_f + αI)w = b_f, the folds' Lanczos runs in step so that
 * each step applies every fold's operator at once. A run that ends drops out; the others go on.
 */
export function krylovRidgeFolds(
  a: FoldOperators,
  bs: readonly Float64Array[],
  alphas: readonly number[],
  maxSteps: number,
  kernels: Kernels,
  tolerance = KRYLOV_TOLERANCE,
): (KrylovSolution | null)[] {
  const basis = () => kernels?.basis(a.dim) ?? scalarBasis(a.dim);
  const runs = bs.map((b, f) =>
    lanczos(a.dim, a.ranks[f], b, alphas, { maxSteps, tolerance, basis }),
  );
  const solutions = new Array<KrylovSolution | null>(runs.length).fill(null);
  const advance = (f: number, product?: Float64Array): Float64Array | null => {
    const next = product ? runs[f].next(product) : runs[f].next();
    if (!next.done) return next.value;
    solutions[f] = next.value;
    return null;
  };
  let asked = runs.map((_, f) => advance(f));
  while (asked.some((v) => v)) {
    const outs = asked.map((v) => (v ? new Float64Array(a.dim) : EMPTY));
    a.times(asked, outs);
    asked = asked.map((v, f) => v && advance(f, outs[f]));
  }
  return solutions;
}

/**
 * One multi-shift Lanczos run. It yields each vector v whose product A·v it needs next and is
 * resumed with that product, so that runs on several operators can share their passes; it
 * returns the solutions, or null when they miss the tolerance within `maxSteps`.
 */
function* lanczos(
  d: number,
  rank: number,
  b: Float64Array,
  alphas: readonly number[],
  run: { maxSteps: number; tolerance: number; basis: () => OrthonormalBasis },
): Generator<Float64Array, KrylovSolution | null, Float64Array> {
  const { maxSteps, tolerance } = run;
  const norm = Math.sqrt(dot(b, b));
  if (norm === 0) return { weights: alphas.map(() => new Float64Array(d)), steps: 0 };
  const limit = Math.min(maxSteps, rank);
  const basis = run.basis();
  const diag: number[] = [];
  const off: number[] = [];
  let v = b.map((value) => value / norm);
  let scale = 0;
  const lowest: number[] = []; // the lowest relative residual up to each step
  for (let step = 1; step <= limit; step++) {
    basis.push(v);
    const w = yield v;
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
    if (forecast(lowest, tolerance) > FORECAST_SLACK * limit) return null;
    off.push(beta);
    v = w.map((value) => value / beta);
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
 * How far past the cap a run may be forecast to end and still go on. The forecast errs late (on
 * mean-max's folds under power-law noise it said 578–628 steps at step ~45, for runs that ended
 * at ~365), so a run is stopped early only where it is clearly hopeless; one that does not end
 * by the cap still stops there.
 */
const FORECAST_SLACK = 1.5;

/**
 * The step at which the residual will reach the tolerance, at the rate its lowest value so far
 * fell over the last FORECAST_WINDOW steps (Infinity when it did not fall). The residual of a
 * Lanczos solve is not monotone, so the rate is read off its running minimum. CG's convergence
 * speeds up as it goes, so the forecast errs late; a run forecast to end well past its cap is
 * stopped early, which costs a hard spectrum (a power law, say, where 768 features can need 600 steps) a
 * few dozen steps instead of the whole cap before the direct solve.
 */
function forecast(lowest: number[], tolerance: number): number {
  const step = lowest.length;
  if (step < FORECAST_FROM) return 0;
  const now = lowest[step - 1];
  const rate = (now / lowest[step - 1 - FORECAST_WINDOW]) ** (1 / FORECAST_WINDOW);
  return rate < 1 ? step + Math.log(tolerance / now) / Math.log(rate) : Infinity;
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
