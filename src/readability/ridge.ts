/** A symmetric n×n matrix stored row-major. */
export interface Gram {
  n: number;
  data: Float64Array; // [n, n]
}

/** Centres a training Gram matrix in place (as if its features had zero mean) and returns the row means it removed. */
export function centreGram(k: Gram): { rowMeans: Float64Array; grandMean: number } {
  const { n, data } = k;
  const rowMeans = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += data[i * n + j];
    rowMeans[i] = s / n;
  }
  let grandMean = 0;
  for (let i = 0; i < n; i++) grandMean += rowMeans[i];
  grandMean /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) data[i * n + j] += grandMean - rowMeans[i] - rowMeans[j];
  }
  return { rowMeans, grandMean };
}

/**
 * Solves (K + alpha·I) c = y by conjugate gradients, starting from `start`; deterministic.
 * Ridge in its dual form: the hashed features are far wider than the corpus is long.
 */
export function solveDual(
  k: Gram,
  y: Float64Array,
  alpha: number,
  start?: Float64Array,
  tolerance = 1e-10,
): Float64Array {
  const { n, data } = k;
  const c = start ? Float64Array.from(start) : new Float64Array(n);
  const apply = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = alpha * v[i];
      const row = i * n;
      for (let j = 0; j < n; j++) s += data[row + j] * v[j];
      out[i] = s;
    }
  };
  const r = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  apply(c, q);
  let rr = 0;
  let yy = 0;
  for (let i = 0; i < n; i++) {
    r[i] = y[i] - q[i];
    p[i] = r[i];
    rr += r[i] * r[i];
    yy += y[i] * y[i];
  }
  for (let iter = 0; iter < n && rr > tolerance * tolerance * yy; iter++) {
    apply(p, q);
    let pq = 0;
    for (let i = 0; i < n; i++) pq += p[i] * q[i];
    const step = rr / pq;
    let next = 0;
    for (let i = 0; i < n; i++) {
      c[i] += step * p[i];
      r[i] -= step * q[i];
      next += r[i] * r[i];
    }
    const beta = next / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = next;
  }
  return c;
}
