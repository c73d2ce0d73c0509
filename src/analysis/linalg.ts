// Dense symmetric linear algebra for ridge: Gram matrices and a Householder tridiagonalisation
// that, once computed, solves (A + αI)x = b for every α in O(d²). That is what makes a whole
// regularisation grid cost one O(d³) factorisation per fold instead of one per α.

/** Lower triangle of Gᵀ·G for a feature-major block: G[i][j] += Σₖ cols[i][k]·cols[j][k], j ≤ i. */
export function addGramLower(
  cols: Float64Array, // [d, n] feature-major, so each dot product reads two contiguous rows
  d: number,
  n: number,
  out: Float64Array, // [d, d] row-major; only j ≤ i is written
): void {
  for (let i = 0; i < d; i++) {
    const bi = i * n;
    const row = i * d;
    let j = 0;
    // Four columns at a time: one load of cols[i][k] feeds four independent accumulators.
    for (; j + 3 <= i; j += 4) {
      const b0 = j * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < n; k++) {
        const x = cols[bi + k];
        s0 += x * cols[b0 + k];
        s1 += x * cols[b1 + k];
        s2 += x * cols[b2 + k];
        s3 += x * cols[b3 + k];
      }
      out[row + j] += s0;
      out[row + j + 1] += s1;
      out[row + j + 2] += s2;
      out[row + j + 3] += s3;
    }
    for (; j <= i; j++) {
      const bj = j * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += cols[bi + k] * cols[bj + k];
      out[row + j] += s;
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

/** Householder tridiagonalisation of a symmetric matrix; reads and overwrites the lower triangle of `a`. */
export function tridiagonalize(a: Float64Array, d: number): Tridiagonal {
  const diag = new Float64Array(d);
  const off = new Float64Array(Math.max(d - 1, 0));
  const tau = new Float64Array(d);
  const v = new Float64Array(d);
  const p = new Float64Array(d);
  for (let k = 0; k + 2 < d; k++) {
    diag[k] = a[k * d + k];
    const m = d - k - 1;
    const s = k + 1; // first index of the trailing block
    let norm2 = 0;
    for (let i = 0; i < m; i++) {
      const x = a[(s + i) * d + k];
      v[i] = x;
      norm2 += x * x;
    }
    const x0 = v[0];
    const tail2 = norm2 - x0 * x0;
    if (tail2 <= 1e-300 * Math.max(norm2, 1e-300)) {
      // Already tridiagonal in this column: no reflection needed.
      off[k] = x0;
      tau[k] = 0;
      for (let i = 0; i < m; i++) a[(s + i) * d + k] = i === 0 ? 1 : 0;
      continue;
    }
    const beta = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    const t = (beta - x0) / beta;
    const scale = 1 / (x0 - beta);
    v[0] = 1;
    for (let i = 1; i < m; i++) v[i] *= scale;
    off[k] = beta;
    tau[k] = t;
    for (let i = 0; i < m; i++) a[(s + i) * d + k] = v[i];

    // p = τ·A₂₂·v from the lower triangle only.
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const base = (s + i) * d + s;
      const vi = v[i];
      let acc = 0;
      for (let j = 0; j < i; j++) {
        const aij = a[base + j];
        acc += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += acc + a[base + i] * vi;
    }
    let pv = 0;
    for (let i = 0; i < m; i++) {
      p[i] *= t;
      pv += p[i] * v[i];
    }
    // w = p − (τ/2)(pᵀv)v, then A₂₂ ← A₂₂ − v·wᵀ − w·vᵀ (lower triangle).
    const half = 0.5 * t * pv;
    for (let i = 0; i < m; i++) p[i] -= half * v[i];
    for (let i = 0; i < m; i++) {
      const base = (s + i) * d + s;
      const vi = v[i];
      const wi = p[i];
      for (let j = 0; j <= i; j++) a[base + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (d >= 2) {
    diag[d - 2] = a[(d - 2) * d + d - 2];
    off[d - 2] = a[(d - 1) * d + d - 2];
  }
  if (d >= 1) diag[d - 1] = a[(d - 1) * d + d - 1];
  return { d, diag, off, vectors: a, tau };
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
  const { d, diag, off } = t;
  const cp = new Float64Array(d);
  const x = new Float64Array(d);
  // Thomas algorithm: T + αI is symmetric positive definite for PSD A and α > 0, so no pivoting.
  let den = diag[0] + alpha;
  cp[0] = d > 1 ? off[0] / den : 0;
  x[0] = c[0] / den;
  for (let i = 1; i < d; i++) {
    den = diag[i] + alpha - off[i - 1] * cp[i - 1];
    cp[i] = i < d - 1 ? off[i] / den : 0;
    x[i] = (c[i] - off[i - 1] * x[i - 1]) / den;
  }
  for (let i = d - 2; i >= 0; i--) x[i] -= cp[i] * x[i + 1];
  applyQ(t, x);
  return x;
}
