// Dense symmetric linear algebra for ridge: Gram matrices and a Householder tridiagonalisation
// that, once computed, solves (A + αI)x = b for every α in O(d²). That is what makes a whole
// regularisation grid cost one O(d³) factorisation per fold instead of one per α. The Gram and
// the tridiagonalisation's sweeps run on the WebAssembly SIMD kernels when the caller passes them
// (simd.ts); the JavaScript loops here are their fallback and their reference.

import type { Kernels } from './simd.ts';

/** Lower triangle of Gᵀ·G for a feature-major block: G[i][j] += Σₖ cols[i][k]·cols[j][k], j ≤ i. */
export function addGramLower(
  cols: Float64Array, // [d, n] feature-major, so each dot product reads contiguous rows
  d: number,
  n: number,
  out: Float64Array, // [d, d] row-major; only j ≤ i is written
  kernels: Kernels,
): void {
  if (kernels) kernels.addGramLower(cols, d, n, out);
  else addGramLowerScalar(cols, d, n, out);
}

/** `addGramLower` in plain JavaScript: where WebAssembly SIMD is missing, and as its reference. */
export function addGramLowerScalar(
  cols: Float64Array,
  d: number,
  n: number,
  out: Float64Array,
): void {
  // Two output rows × four columns at a time: each step loads six values for eight products,
  // where one row × four columns loaded five for four. About 1.5x faster in V8, which does not
  // vectorise.
  let i = 0;
  for (; i + 1 < d; i += 2) {
    const a0 = i * n;
    const a1 = a0 + n;
    const r0 = i * d;
    const r1 = r0 + d;
    let j = 0;
    for (; j + 3 <= i; j += 4) {
      const b0 = j * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      for (let k = 0; k < n; k++) {
        const x = cols[a0 + k];
        const y = cols[a1 + k];
        const c0 = cols[b0 + k];
        const c1 = cols[b1 + k];
        const c2 = cols[b2 + k];
        const c3 = cols[b3 + k];
        s0 += x * c0;
        s1 += x * c1;
        s2 += x * c2;
        s3 += x * c3;
        t0 += y * c0;
        t1 += y * c1;
        t2 += y * c2;
        t3 += y * c3;
      }
      out[r0 + j] += s0;
      out[r0 + j + 1] += s1;
      out[r0 + j + 2] += s2;
      out[r0 + j + 3] += s3;
      out[r1 + j] += t0;
      out[r1 + j + 1] += t1;
      out[r1 + j + 2] += t2;
      out[r1 + j + 3] += t3;
    }
    for (; j <= i + 1; j++) {
      const bj = j * n;
      let s = 0;
      let t = 0;
      for (let k = 0; k < n; k++) {
        const c = cols[bj + k];
        s += cols[a0 + k] * c;
        t += cols[a1 + k] * c;
      }
      if (j <= i) out[r0 + j] += s;
      out[r1 + j] += t;
    }
  }
  if (i < d) {
    // The last row of an odd d.
    const a0 = i * n;
    for (let j = 0; j <= i; j++) {
      const bj = j * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += cols[a0 + k] * cols[bj + k];
      out[i * d + j] += s;
    }
  }
}

/** A = Q·T·Qᵀ with T tridiagonal; Q kept as Householder vectors so it applies in O(d²). */
export interface Tridiagonal {
  d: number;
  diag: Float64Array; // [d]
  off: Float64Array; // [d - 1], T[i][i+1]
  vectors: Float64Array; // [d, d]: reflector k lives in column k below the diagonal (v₀ = 1 implied)
  tau: Float64Array; // [d]
}

/**
 * Householder tridiagonalisation of a symmetric matrix; reads and overwrites the lower triangle of
 * `a`. Each step's rank-2 update of the trailing block is fused with the next step's product
 * τ·A·v, so the block is swept once per step instead of twice, and rows go in pairs so that each
 * column's vector entries are loaded once for two rows: about 1.5x (d = 768) to 2x (d ≥ 1,536)
 * faster than the two-sweep form, with the same reflectors to rounding.
 */
export function tridiagonalize(input: Float64Array, d: number, kernels: Kernels): Tridiagonal {
  const diag = new Float64Array(d);
  const off = new Float64Array(Math.max(d - 1, 0));
  const tau = new Float64Array(d);
  if (d < 3) {
    if (d >= 2) off[0] = input[d];
    for (let k = 0; k < d; k++) diag[k] = input[k * d + k];
    return { d, diag, off, vectors: input, tau };
  }
  // On the SIMD kernels the matrix and vectors live in the kernels' memory, and each step's sweep
  // over the trailing block runs there; the matrix is copied back at the end.
  const work = kernels?.tridiagonalWorkspace(input, d) ?? {
    a: input,
    vectors: [0, 1, 2, 3].map(() => new Float64Array(d)),
    sweep: sweepPairsScalar,
  };
  const { a, sweep } = work;
  // Vectors are indexed by row of `a`: v (reflector) and p (then w) of the current step, u and q of
  // the next.
  let [v, p, u, q] = work.vectors;

  /** Reflector zeroing column k below its subdiagonal: stored in the column, copied to `out`; τ. */
  const reflector = (k: number, out: Float64Array): number => {
    diag[k] = a[k * d + k];
    let norm2 = 0;
    for (let g = k + 1; g < d; g++) norm2 += a[g * d + k] ** 2;
    const x0 = a[(k + 1) * d + k];
    if (norm2 - x0 * x0 <= 1e-300 * Math.max(norm2, 1e-300)) {
      // Already tridiagonal in this column: no reflection (τ = 0, v = 0 so updates vanish).
      off[k] = x0;
      tau[k] = 0;
      for (let g = k + 1; g < d; g++) {
        a[g * d + k] = g === k + 1 ? 1 : 0;
        out[g] = 0;
      }
      return 0;
    }
    const beta = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    const scale = 1 / (x0 - beta);
    out[k + 1] = 1;
    a[(k + 1) * d + k] = 1;
    for (let g = k + 2; g < d; g++) {
      const x = a[g * d + k] * scale;
      out[g] = x;
      a[g * d + k] = x;
    }
    off[k] = beta;
    return (tau[k] = (beta - x0) / beta);
  };

  // Step 0's p = τ·A₂₂·v on its own, from the lower triangle.
  let t = reflector(0, v);
  for (let g = 1; g < d; g++) {
    const base = g * d;
    const vg = v[g];
    let acc = 0;
    for (let h = 1; h < g; h++) {
      const x = a[base + h];
      acc += x * v[h];
      p[h] += x * vg;
    }
    p[g] += acc + a[base + g] * vg;
  }
  for (let g = 1; g < d; g++) p[g] *= t;

  for (let k = 0; k + 2 < d; k++) {
    const s = k + 1; // first row and column of the trailing block
    // w = p − (τ/2)(pᵀv)v, kept in p.
    let pv = 0;
    for (let g = s; g < d; g++) pv += p[g] * v[g];
    const half = 0.5 * t * pv;
    for (let g = s; g < d; g++) p[g] -= half * v[g];
    // Update column s first: the next reflector is made from it.
    const ws = p[s];
    const vs = v[s];
    for (let g = s; g < d; g++) a[g * d + s] -= v[g] * ws + p[g] * vs;
    // The last step has no next reflector: u = 0, so the sweep below only updates.
    let tn = 0;
    if (k + 3 < d) tn = reflector(s, u);
    else u.fill(0, s + 1, d);
    q.fill(0, s + 1, d);
    // One sweep over the rest: A ← A − v·wᵀ − w·vᵀ, and q += A·u with the updated values. Rows
    // go in pairs; an unpaired last row is done below.
    sweep(a, d, s, v, p, u, q);
    const g = d - ((d - s - 1) % 2);
    if (g < d) {
      const base = g * d;
      const vg = v[g];
      const wg = p[g];
      const ug = u[g];
      let acc = 0;
      for (let h = s + 1; h < g; h++) {
        const x = a[base + h] - (vg * p[h] + wg * v[h]);
        a[base + h] = x;
        acc += x * u[h];
        q[h] += x * ug;
      }
      const x = a[base + g] - 2 * vg * wg;
      a[base + g] = x;
      q[g] += acc + x * ug;
    }
    for (let h = s + 1; h < d; h++) q[h] *= tn;
    [v, u] = [u, v];
    [p, q] = [q, p];
    t = tn;
  }
  diag[d - 2] = a[(d - 2) * d + d - 2];
  off[d - 2] = a[(d - 1) * d + d - 2];
  diag[d - 1] = a[(d - 1) * d + d - 1];
  if (a !== input) input.set(a);
  return { d, diag, off, vectors: input, tau };
}

/**
 * One tridiagonalisation step's sweep (see `tridiagonalize`) in plain JavaScript: rows g = s+1,
 * s+3, … in pairs (g, g+1) with g + 1 < d, so that each column's vector entries are loaded once
 * for two rows. The SIMD kernel `sweepPairs` does the same.
 */
export function sweepPairsScalar(
  a: Float64Array,
  d: number,
  s: number,
  v: Float64Array,
  p: Float64Array,
  u: Float64Array,
  q: Float64Array,
): void {
  for (let g = s + 1; g + 1 < d; g += 2) {
    const b0 = g * d;
    const b1 = b0 + d;
    const v0 = v[g];
    const w0 = p[g];
    const u0 = u[g];
    const v1 = v[g + 1];
    const w1 = p[g + 1];
    const u1 = u[g + 1];
    let acc0 = 0;
    let acc1 = 0;
    for (let h = s + 1; h < g; h++) {
      const vh = v[h];
      const wh = p[h];
      const uh = u[h];
      const x0 = a[b0 + h] - (v0 * wh + w0 * vh);
      const x1 = a[b1 + h] - (v1 * wh + w1 * vh);
      a[b0 + h] = x0;
      a[b1 + h] = x1;
      acc0 += x0 * uh;
      acc1 += x1 * uh;
      q[h] += x0 * u0 + x1 * u1;
    }
    // The pair's corner: (g, g), (g+1, g), (g+1, g+1).
    const x00 = a[b0 + g] - 2 * v0 * w0;
    const x10 = a[b1 + g] - (v1 * w0 + w1 * v0);
    const x11 = a[b1 + g + 1] - 2 * v1 * w1;
    a[b0 + g] = x00;
    a[b1 + g] = x10;
    a[b1 + g + 1] = x11;
    q[g] += acc0 + x00 * u0 + x10 * u1;
    q[g + 1] += acc1 + x10 * u0 + x11 * u1;
  }
}

function reflect(t: Tridiagonal, k: number, x: Float64Array): void {
  const tk = t.tau[k];
  if (tk === 0) return;
  const { d, vectors } = t;
  let s = x[k + 1];
  for (let i = k + 2; i < d; i++) s += vectors[i * d + k] * x[i];
  s *= tk;
  x[k + 1] -= s;
  for (let i = k + 2; i < d; i++) x[i] -= s * vectors[i * d + k];
}

/** x ← Qᵀx in place. */
export function applyQt(t: Tridiagonal, x: Float64Array): void {
  for (let k = 0; k + 2 < t.d; k++) reflect(t, k, x);
}

/** x ← Qx in place. */
export function applyQ(t: Tridiagonal, x: Float64Array): void {
  for (let k = t.d - 3; k >= 0; k--) reflect(t, k, x);
}

/** Solves (A + αI)x = b given c = Qᵀb: a tridiagonal solve then one pass of Q. */
export function solveShifted(t: Tridiagonal, c: Float64Array, alpha: number): Float64Array {
  const x = solveTridiagonal(t.diag, t.off, alpha, c);
  applyQ(t, x);
  return x;
}

/**
 * Solves (T + αI)x = rhs for the symmetric tridiagonal T with diagonal `diag` and off-diagonal
 * `off` (T[i][i+1]; entries past diag.length − 1 are not read). Thomas algorithm: T + αI is
 * symmetric positive definite for positive semi-definite T and α > 0, so no pivoting.
 */
export function solveTridiagonal(
  diag: ArrayLike<number>,
  off: ArrayLike<number>,
  alpha: number,
  rhs: ArrayLike<number>,
): Float64Array {
  const d = diag.length;
  const cp = new Float64Array(d);
  const x = new Float64Array(d);
  let den = diag[0] + alpha;
  cp[0] = d > 1 ? off[0] / den : 0;
  x[0] = rhs[0] / den;
  for (let i = 1; i < d; i++) {
    den = diag[i] + alpha - off[i - 1] * cp[i - 1];
    cp[i] = i < d - 1 ? off[i] / den : 0;
    x[i] = (rhs[i] - off[i - 1] * x[i - 1]) / den;
  }
  for (let i = d - 2; i >= 0; i--) x[i] -= cp[i] * x[i + 1];
  return x;
}

/**
 * An orthonormal basis [k, d] (row r is a unit vector) of the dominant k-dimensional invariant
 * subspace of a symmetric positive semi-definite matrix (full, row-major [d, d]), by subspace
 * iteration from a seeded Gaussian start: each round multiplies the basis by the matrix and
 * re-orthonormalises it (modified Gram–Schmidt). The error in the subspace shrinks like
 * (λₖ₊₁/λₖ)^rounds; where eigenvalues k and k + 1 are close, what comes back mixes their vectors,
 * which is still a good reduction for a model that learns on top of it.
 */
export function leadingSubspace(
  a: Float64Array,
  d: number,
  k: number,
  rounds: number,
  normal: () => number,
): Float64Array {
  if (k < 1 || k > d) throw new RangeError(`need 1 ≤ k ≤ ${d}, got ${k}`);
  let basis = Float64Array.from({ length: k * d }, () => normal());
  orthonormalise(basis, k, d);
  for (let round = 0; round < rounds; round++) {
    const next = new Float64Array(k * d);
    for (let i = 0; i < d; i++) {
      const row = i * d;
      for (let r = 0; r < k; r++) {
        const v = r * d;
        let s = 0;
        for (let j = 0; j < d; j++) s += a[row + j] * basis[v + j];
        next[v + i] = s;
      }
    }
    orthonormalise(next, k, d);
    basis = next;
  }
  return basis;
}

/**
 * Modified Gram–Schmidt on the rows of [k, d]. A row that lies in the span of the earlier ones (a
 * matrix of rank below k) is replaced by the first unit axis that does not, so the basis stays
 * orthonormal.
 */
function orthonormalise(m: Float64Array, k: number, d: number): void {
  const v = new Float64Array(d);
  for (let r = 0; r < k; r++) {
    v.set(m.subarray(r * d, (r + 1) * d));
    const scale = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    for (let axis = -1; axis < d; axis++) {
      if (axis >= 0) {
        v.fill(0);
        v[axis] = 1;
      }
      // Two passes (Kahan's "twice is enough"): the second removes what rounding left.
      for (let pass = 0; pass < 2; pass++)
        for (let q = 0; q < r; q++) {
          const u = q * d;
          let s = 0;
          for (let j = 0; j < d; j++) s += v[j] * m[u + j];
          for (let j = 0; j < d; j++) v[j] -= s * m[u + j];
        }
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      if (norm > 1e-10 * (axis < 0 ? scale : 1)) {
        for (let j = 0; j < d; j++) m[r * d + j] = v[j] / norm;
        break;
      }
    }
  }
}
