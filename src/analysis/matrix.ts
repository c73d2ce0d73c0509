// The feature matrix the ridge solves read, the sums over a block of its rows, and the one routine
// that turns such sums into a standardisation: every solve (primal, dual, Krylov), the quick
// sweep's sketch and the learned poolings scale their features by it.

/** A row-major feature matrix. */
export interface Matrix {
  data: Float32Array | Float64Array; // [rows, cols]
  rows: number;
  cols: number;
}

/** Per-feature standardisation fitted on training rows (population std; constant features get 1). */
export interface Scaler {
  mean: Float64Array; // [cols]
  std: Float64Array; // [cols]
}

/** Below this std a feature counts as constant: it gets std 1, so it is only centred. */
const STD_FLOOR = 1e-12;

/**
 * The scaler of `n` rows from their sums Σx and Σx² per feature: the population std, or 1 for a
 * constant feature (and for every feature when `standardise` is false, which only centres). Sums
 * taken about a shift near the mean (the column means, say) keep Σx²/n − mean² from cancelling;
 * the mean then comes back about the same shift.
 */
export function scalerFromSums(
  n: number,
  sum: ArrayLike<number>,
  squares: ArrayLike<number>,
  standardise = true,
): Scaler {
  const count = n || 1;
  const mean = new Float64Array(sum.length);
  const std = new Float64Array(sum.length);
  for (let k = 0; k < sum.length; k++) {
    mean[k] = sum[k] / count;
    const v = Math.sqrt(Math.max(squares[k] / count - mean[k] ** 2, 0));
    std[k] = standardise && v > STD_FLOOR ? v : 1;
  }
  return { mean, std };
}

/** Mean of each column over every row. */
export function columnMeans(x: Matrix): Float64Array {
  const m = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) for (let k = 0; k < x.cols; k++) m[k] += x.data[r * x.cols + k];
  for (let k = 0; k < x.cols; k++) m[k] /= x.rows || 1;
  return m;
}

/** Sums over a block of rows of x − shift, of its squares, and of the rows' targets. */
export interface RowMoments {
  n: number;
  sum: Float64Array; // [cols]
  squares: Float64Array; // [cols]
  sumY: number;
}

/** The moments of `rows` of x about `shift`; without targets, sumY is 0. */
export function rowMoments(
  x: Matrix,
  y: ArrayLike<number> | null,
  rows: Int32Array,
  shift: Float64Array,
): RowMoments {
  const d = x.cols;
  const sum = new Float64Array(d);
  const squares = new Float64Array(d);
  let sumY = 0;
  for (const r of rows) {
    if (y) sumY += y[r];
    for (let k = 0; k < d; k++) {
      const v = x.data[r * d + k] - shift[k];
      sum[k] += v;
      squares[k] += v * v;
    }
  }
  return { n: rows.length, sum, squares, sumY };
}

/**
 * The scaler of the rows some blocks hold together (about the blocks' shift), with their count
 * and their targets' mean: a training set's standardisation, from its blocks' moments.
 */
export function pooledScaler(
  blocks: readonly RowMoments[],
  standardise = true,
): Scaler & { n: number; meanY: number } {
  const d = blocks[0].sum.length;
  const sum = new Float64Array(d);
  const squares = new Float64Array(d);
  let n = 0;
  let sumY = 0;
  for (const b of blocks) {
    n += b.n;
    sumY += b.sumY;
    for (let k = 0; k < d; k++) {
      sum[k] += b.sum[k];
      squares[k] += b.squares[k];
    }
  }
  return { ...scalerFromSums(n, sum, squares, standardise), n, meanY: sumY / n };
}

/** The scaler of every row of x, its sums taken about the column means (no targets read). */
export function columnScaler(x: Matrix): Scaler {
  const shift = columnMeans(x);
  const all = Int32Array.from({ length: x.rows }, (_, i) => i);
  const { mean, std } = pooledScaler([rowMoments(x, null, all, shift)]);
  for (let k = 0; k < x.cols; k++) mean[k] += shift[k];
  return { mean, std };
}
