// Ridge regression on standardised features, k-fold CV over the regularisation strength, and the
// strategy × layer sweep. Everything is solved exactly, to rounding or a stated residual. Primal
// Grams are built once per fold block and summed, so each training fold's Gram is "all minus its
// held-out block", and the scaler is still fitted on the training fold only (its mean and std come
// from the same sums). Each fold's standardised system is then solved for every α of the grid at
// once: by multi-shift Lanczos on the Gram (krylov.ts) from a few hundred features up, which
// converges in tens to hundreds of d² steps, or by one Householder tridiagonalisation, after which
// each α costs O(d²). Where features outnumber the training rows, the dual kernel (n × n) takes the
// Gram's place; where even that costs several times a Lanczos run over the raw rows
// (concat-last-4's 3,072 features on 2,400 rows), the folds are solved by Lanczos on the rows, in
// step, so that one pass over the rows serves every fold. A Lanczos run that does not converge
// within about the direct solve's cost hands its fold to it. The products run on WebAssembly SIMD
// kernels where the runtime has them (simd.ts).

import {
  KRYLOV_TYPICAL_STEPS,
  krylovCost,
  krylovRidge,
  krylovRidgeFolds,
  lowerOperator,
  rowsOperator,
  rowsOperators,
  rowsTransposeTimes,
  type StandardisedRows,
} from './krylov.ts';
import { addGramLower, applyQt, solveShifted, tridiagonalize } from './linalg.ts';
import type { PoolingStrategy } from './pooling.ts';
import { permutation } from './rng.ts';
import { simdKernels } from './simd.ts';
import { srht, type SketchInfo } from './sketch.ts';

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

/** A fitted ridge model: ŷ = bias + Σ ((x − mean) / std) · weights. */
export interface RidgeModel {
  scaler: Scaler;
  weights: Float64Array; // [cols], in standardised units
  bias: number;
  alpha: number;
}

/** CV score of one α: RMSE averaged over folds and its spread (population std across folds). */
export interface AlphaScore {
  alpha: number;
  rmse: number;
  rmseStd: number;
  foldRmse: number[];
}

/** Result of k-fold CV over an α grid; the top-level fields are the best α's. */
export interface RidgeCVResult extends AlphaScore {
  scores: AlphaScore[];
  mode: CvMode;
}

/** How a fold's system is solved: directly (primal d×d or dual n×n) or by multi-shift Krylov. */
export type CvMode = 'primal' | 'dual' | 'krylov';

/** Options for cross-validation. */
export interface RidgeCVOptions {
  alphas?: readonly number[];
  folds?: number;
  seed?: number;
  /** Scale each feature to unit variance on the training fold (default); false only centres. */
  standardise?: boolean;
  /**
   * 'auto' (default): Lanczos where it pays (see `cvMode` and `primalWeights`); 'direct': never;
   * 'krylov': every fold by Lanczos over the rows (for tests and benchmarks).
   */
  solver?: 'auto' | 'direct' | 'krylov';
  /** Cap on a fold's Lanczos steps (default: about the direct solve's cost); beyond it, direct. */
  maxKrylovSteps?: number;
}

/** α grid wide enough for standardised transformer features (α is on the summed squared loss). */
export const DEFAULT_ALPHAS: readonly number[] = [
  0.1, 1, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5,
];
export const DEFAULT_FOLDS = 5;
export const DEFAULT_SEED = 42;

/** Fold id of each row: a seeded shuffle dealt round-robin, so fold sizes differ by at most one. */
export function kFold(rows: number, folds: number, seed: number): Int32Array {
  if (folds < 2 || folds > rows)
    throw new RangeError(`need 2 ≤ folds ≤ rows, got ${folds} for ${rows}`);
  const perm = permutation(rows, seed);
  const id = new Int32Array(rows);
  for (let i = 0; i < rows; i++) id[perm[i]] = i % folds;
  return id;
}

const STD_FLOOR = 1e-12;

function checkInputs(x: Matrix, y: ArrayLike<number>): void {
  if (x.data.length !== x.rows * x.cols)
    throw new RangeError(`matrix holds ${x.data.length} values, not ${x.rows}×${x.cols}`);
  if (y.length !== x.rows) throw new RangeError(`${y.length} targets for ${x.rows} rows`);
}

/** Sums of one block of rows, shifted by a global offset so later subtractions lose little. */
interface BlockStats {
  n: number;
  rows: Int32Array;
  cols: Float64Array; // [d, n] feature-major, shifted
  sum: Float64Array; // [d]
  xy: Float64Array; // [d]
  sumY: number;
  gram?: Float64Array; // [d, d] lower triangle (primal only)
}

function blockStats(
  x: Matrix,
  y: ArrayLike<number>,
  rows: Int32Array,
  shift: Float64Array,
): BlockStats {
  const d = x.cols;
  const n = rows.length;
  const cols = new Float64Array(d * n);
  const sum = new Float64Array(d);
  const xy = new Float64Array(d);
  let sumY = 0;
  for (let r = 0; r < n; r++) {
    const base = rows[r] * d;
    const yr = y[rows[r]];
    sumY += yr;
    for (let k = 0; k < d; k++) {
      const v = x.data[base + k] - shift[k];
      cols[k * n + r] = v;
      sum[k] += v;
      xy[k] += v * yr;
    }
  }
  return { n, rows, cols, sum, xy, sumY };
}

function columnMeans(x: Matrix): Float64Array {
  const m = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) for (let k = 0; k < x.cols; k++) m[k] += x.data[r * x.cols + k];
  for (let k = 0; k < x.cols; k++) m[k] /= x.rows || 1;
  return m;
}

/** A training set's standardised normal equations: (C + αI)w = b, with C and b in z-units. */
interface Primal {
  c: Float64Array; // [d, d] lower triangle
  b: Float64Array; // [d]
  mean: Float64Array; // [d], shifted
  std: Float64Array; // [d]
  meanY: number;
}

function primalSystem(
  d: number,
  all: BlockStats[],
  gram: Float64Array,
  heldOut: BlockStats | null,
  standardise = true,
): Primal {
  let n = 0;
  let sumY = 0;
  const mean = new Float64Array(d);
  const xy = new Float64Array(d);
  for (const s of all) {
    if (s === heldOut) continue;
    n += s.n;
    sumY += s.sumY;
    for (let k = 0; k < d; k++) {
      mean[k] += s.sum[k];
      xy[k] += s.xy[k];
    }
  }
  for (let k = 0; k < d; k++) mean[k] /= n;
  const meanY = sumY / n;
  const c = gram.slice();
  if (heldOut?.gram) for (let i = 0; i < c.length; i++) c[i] -= heldOut.gram[i];
  // Centre: scatter = G − n·μμᵀ; its diagonal gives the training fold's variances.
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) c[i * d + j] -= n * mean[i] * mean[j];
  const std = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(c[k * d + k], 0) / n);
    std[k] = standardise && s > STD_FLOOR ? s : 1;
  }
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) c[i * d + j] /= std[i] * std[j];
  const b = new Float64Array(d);
  for (let k = 0; k < d; k++) b[k] = (xy[k] - n * mean[k] * meanY) / std[k];
  return { c, b, mean, std, meanY };
}

/** Predictions of a linear model for a block's rows, into `out` at their row indices. */
function blockPredict(
  block: BlockStats,
  beta: Float64Array,
  offset: number,
  out: Float64Array,
): void {
  const n = block.n;
  const pred = new Float64Array(n).fill(offset);
  for (let k = 0; k < beta.length; k++) {
    const bk = beta[k];
    const base = k * n;
    for (let r = 0; r < n; r++) pred[r] += block.cols[base + r] * bk;
  }
  for (let r = 0; r < n; r++) out[block.rows[r]] = pred[r];
}

/** Below this width a tridiagonalisation is cheap enough that Lanczos on the Gram does not pay. */
const GRAM_KRYLOV_MIN_DIM = 256;

/**
 * A primal system's z-unit weights for every α. From a few hundred features up, multi-shift Lanczos
 * on the Gram (one d² product a step) converges long before a tridiagonalisation (4d³/3) would end:
 * on the sweep bench's 2,400 standardised rows, ~45 steps for 768 features and ~250 for 1,536. A
 * power-law spectrum can need several hundred (BENCHMARKS.md, "Harder spectra"), so steps are
 * capped at about the tridiagonalisation's time and a run forecast to miss the cap stops early;
 * the tridiagonalisation then solves the fold.
 */
function primalWeights(
  p: Primal,
  d: number,
  alphas: readonly number[],
  mayUseKrylov: boolean,
): { weights: Float64Array[]; byKrylov: boolean } {
  if (mayUseKrylov && d >= GRAM_KRYLOV_MIN_DIM) {
    const solved = krylovRidge(lowerOperator(p.c, d), p.b, alphas, gramStepLimit(d));
    if (solved) return { weights: solved.weights, byKrylov: true };
  }
  return { weights: tridiagonalSolve(p, d, alphas), byKrylov: false };
}

/** A primal system's z-unit weights for every α from one tridiagonalisation. */
function tridiagonalSolve(p: Primal, d: number, alphas: readonly number[]): Float64Array[] {
  const t = tridiagonalize(p.c, d);
  const c = p.b.slice();
  applyQt(t, c);
  return alphas.map((alpha) => solveShifted(t, c, alpha));
}

/**
 * Lanczos steps on a d × d Gram that cost about what its tridiagonalisation (4d³/3 multiply-adds)
 * does. A step is a d² product, and its reorthogonalisation against the s steps before it 4·s·d
 * (2s²·d over s steps). Their speeds relative to the tridiagonalisation's, measured on one core
 * (BENCHMARKS.md, "Pooling sweep"): on the SIMD kernels the product runs at about 0.6 and the
 * reorthogonalisation at 0.4 of its multiply-adds per second (the tridiagonalisation's sweep keeps
 * two rows and four vectors in cache); in plain JavaScript both run at about a third.
 */
function gramStepLimit(d: number): number {
  const [product, basis] = simdKernels() ? [0.6, 0.4] : [1 / 3, 1 / 3];
  const budget = (4 * d ** 3) / 3;
  const cost = (s: number) => (s * d * d) / product + (2 * s * s * d) / basis;
  let steps = 0;
  while (cost(steps + 25) <= budget) steps += 25;
  return steps;
}

/**
 * How much more of the direct solve's multiply-adds a Lanczos run over the rows may spend than
 * `krylovStepLimit` assumes (its passes at half the direct kernels' speed, as in JavaScript): on
 * the SIMD kernels its passes and basis run at about 0.7 of the direct solve's speed.
 */
function lanczosSpeedup(): number {
  return simdKernels() ? 1.4 : 1;
}

/** Turns z-unit weights into raw-unit slopes and an intercept over shifted features. */
function toRaw(w: Float64Array, p: { mean: Float64Array; std: Float64Array; meanY: number }) {
  const beta = new Float64Array(w.length);
  let offset = p.meanY;
  for (let k = 0; k < w.length; k++) {
    beta[k] = w[k] / p.std[k];
    offset -= p.mean[k] * beta[k];
  }
  return { beta, offset };
}

/** Standardised training rows, row-major [n, d], for the dual form. */
function standardisedRows(blocks: BlockStats[], d: number, standardise = true) {
  let n = 0;
  let sumY = 0;
  const mean = new Float64Array(d);
  for (const s of blocks) {
    n += s.n;
    sumY += s.sumY;
    for (let k = 0; k < d; k++) mean[k] += s.sum[k];
  }
  for (let k = 0; k < d; k++) mean[k] /= n;
  const std = new Float64Array(d);
  for (const s of blocks)
    for (let k = 0; k < d; k++)
      for (let r = 0; r < s.n; r++) std[k] += (s.cols[k * s.n + r] - mean[k]) ** 2;
  for (let k = 0; k < d; k++) {
    const v = Math.sqrt(std[k] / n);
    std[k] = standardise && v > STD_FLOOR ? v : 1;
  }
  const z = new Float64Array(n * d);
  const rows = new Int32Array(n);
  let at = 0;
  for (const s of blocks)
    for (let r = 0; r < s.n; r++, at++) {
      rows[at] = s.rows[r];
      for (let k = 0; k < d; k++) z[at * d + k] = (s.cols[k * s.n + r] - mean[k]) / std[k];
    }
  return { n, z, rows, mean, std, meanY: sumY / n };
}

/** Dual solve for every α: returns z-unit weights w = Zᵀ(ZZᵀ + αI)⁻¹(y − ȳ) per α. */
function dualWeights(
  s: ReturnType<typeof standardisedRows>,
  d: number,
  y: ArrayLike<number>,
  alphas: readonly number[],
): Float64Array[] {
  const { n, z, rows, meanY } = s;
  const kernel = new Float64Array(n * n);
  addGramLower(z, n, d, kernel);
  const t = tridiagonalize(kernel, n);
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = y[rows[i]] - meanY;
  applyQt(t, c);
  return alphas.map((alpha) => {
    const a = solveShifted(t, c, alpha);
    const w = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) w[k] += z[i * d + k] * a[i];
    return w;
  });
}

function checkAlphas(alphas: readonly number[]): void {
  if (!alphas.length || alphas.some((a) => !(a > 0) || !Number.isFinite(a)))
    throw new RangeError('alphas must be finite and > 0');
}

/** Every row's held-out prediction for each α of the grid: what k-fold CV scores. */
export interface CvPredictions {
  alphas: readonly number[];
  folds: number;
  /** Fold of each row. */
  fold: Int32Array;
  /** [alphas][rows]: each row predicted by the model fitted on the other folds. */
  predictions: Float64Array[];
  mode: CvMode;
}

/** k-fold CV predictions of standardised ridge over an α grid; deterministic for a seed. */
export function cvPredictions(
  x: Matrix,
  y: ArrayLike<number>,
  options: RidgeCVOptions = {},
  /** Only these folds are held out and predicted (the others' rows stay NaN): a share of the work. */
  onlyFolds?: readonly number[],
): CvPredictions {
  checkInputs(x, y);
  const alphas = options.alphas ?? DEFAULT_ALPHAS;
  checkAlphas(alphas);
  const folds = options.folds ?? DEFAULT_FOLDS;
  const d = x.cols;
  const fold = kFold(x.rows, folds, options.seed ?? DEFAULT_SEED);
  const foldRows = Array.from({ length: folds }, (_, f) => {
    const rows: number[] = [];
    for (let i = 0; i < x.rows; i++) if (fold[i] === f) rows.push(i);
    return Int32Array.from(rows);
  });
  const mode = cvMode(d, x.rows, folds, options.solver);
  const predictions = alphas.map(() => new Float64Array(x.rows).fill(onlyFolds ? NaN : 0));
  const heldFolds = onlyFolds ?? foldRows.map((_, f) => f);

  if (mode === 'krylov') {
    const maxSteps =
      options.maxKrylovSteps ??
      krylovStepLimit(d, largestTrainingFold(x.rows, folds), x.rows / folds);
    // Each fold block's sums are taken once; a training set's scaler is its other blocks' sums.
    const shift = columnMeans(x);
    const blocks = foldRows.map((rows) => ({ rows, moments: rowMoments(x, y, rows, shift) }));
    const sets = heldFolds.map((f) =>
      krylovTrainingSet(
        x,
        y,
        blocks.filter((_, g) => g !== f),
        shift,
        options.standardise,
      ),
    );
    // The rows are passed over fold by fold, the same order whichever folds this share holds, so
    // a share's predictions are those of the whole CV to the last bit.
    const order = Int32Array.from(foldRows.flatMap((rows) => [...rows]));
    const solved = krylovRidgeFolds(
      rowsOperators(
        sets.map((s) => s.z),
        order,
      ),
      sets.map(({ z, c }) => rowsTransposeTimes(z, c)),
      alphas,
      maxSteps,
    );
    const unsolved: number[] = [];
    heldFolds.forEach((f, i) => {
      const held = foldRows[f];
      const weights = solved[i]?.weights;
      if (!weights) {
        unsolved.push(f);
        return;
      }
      heldOutPredictions(x, sets[i], weights, held).forEach((p, a) =>
        held.forEach((r) => (predictions[a][r] = p[r])),
      );
    });
    // Folds not converged within the cap are solved directly, as they would have been: in one
    // call, so that its block sums and Gram or kernels are built once for all of them.
    if (unsolved.length) {
      const direct = cvPredictions(x, y, { ...options, solver: 'direct' }, unsolved);
      for (const f of unsolved)
        direct.predictions.forEach((p, a) =>
          foldRows[f].forEach((r) => (predictions[a][r] = p[r])),
        );
    }
    return { alphas, folds, fold, predictions, mode };
  }

  const shift = columnMeans(x);
  const blocks = foldRows.map((rows) => blockStats(x, y, rows, shift));
  const heldOut = heldFolds.map((f) => blocks[f]);

  if (mode === 'primal') {
    const gram = new Float64Array(d * d);
    for (const b of blocks) {
      b.gram = new Float64Array(d * d);
      addGramLower(b.cols, d, b.n, b.gram);
      for (let i = 0; i < gram.length; i++) gram[i] += b.gram[i];
    }
    let mayUseKrylov = options.solver !== 'direct';
    for (const held of heldOut) {
      const p = primalSystem(d, blocks, gram, held, options.standardise);
      const solved = primalWeights(p, d, alphas, mayUseKrylov);
      // A spectrum too slow for Lanczos in one fold is as slow in the others: solve them directly.
      mayUseKrylov &&= solved.byKrylov;
      solved.weights.forEach((w, a) => {
        const { beta, offset } = toRaw(w, p);
        blockPredict(held, beta, offset, predictions[a]);
      });
    }
  } else {
    for (const held of heldOut) {
      const s = standardisedRows(
        blocks.filter((b) => b !== held),
        d,
        options.standardise,
      );
      dualWeights(s, d, y, alphas).forEach((w, a) => {
        const { beta, offset } = toRaw(w, s);
        blockPredict(held, beta, offset, predictions[a]);
      });
    }
  }
  return { alphas, folds, fold, predictions, mode };
}

/** Rows in the largest training fold of `kFold`: all but the smallest fold. */
const largestTrainingFold = (rows: number, folds: number) => rows - Math.floor(rows / folds);

/**
 * Krylov is chosen where its typical cost is under this fraction of the direct solve's. In plain
 * JavaScript its passes over the rows run at about half the multiply-adds per second of the direct
 * kernels, so at 3,072 features it wins by about 3x and at 1,536 it ties; on the SIMD kernels at
 * about 0.7 (`lanczosSpeedup`), which leaves the same choice (see BENCHMARKS.md, "Pooling sweep").
 */
const KRYLOV_MARGIN = 3;

/**
 * Multiply-adds of a direct solve on `train` rows: primal (its share, `gramRows`, of the Gram and
 * a `dim`³ tridiagonalisation) while the features are no more than the rows, dual beyond.
 */
function directCost(dim: number, train: number, gramRows: number): number {
  return dim <= train
    ? (gramRows * dim * dim) / 2 + (4 * dim ** 3) / 3
    : (train * train * dim) / 2 + (4 * train ** 3) / 3;
}

/** Whether Krylov is the cheaper solve on `train` rows (see KRYLOV_MARGIN). */
function krylovPays(dim: number, train: number, gramRows: number): boolean {
  return (
    KRYLOV_MARGIN * krylovCost(train, dim, KRYLOV_TYPICAL_STEPS) < directCost(dim, train, gramRows)
  );
}

/** Lanczos steps that cost about what the direct solve does (Krylov's slower passes counted). */
function krylovStepLimit(dim: number, train: number, gramRows: number): number {
  const budget = (directCost(dim, train, gramRows) / 2) * lanczosSpeedup();
  let steps = KRYLOV_TYPICAL_STEPS;
  while (krylovCost(train, dim, steps + 50) <= budget) steps += 50;
  return steps;
}

/**
 * How k-fold CV solves a cell: primal (a `dim` × `dim` system from one Gram of all rows) while the
 * features are no more than the largest training fold's rows, dual (a kernel per fold) beyond, and
 * Krylov per fold where that is several times cheaper than either (the widest cells).
 */
export function cvMode(
  dim: number,
  rows: number,
  folds: number,
  solver: RidgeCVOptions['solver'] = 'auto',
): CvMode {
  const train = largestTrainingFold(rows, folds);
  const krylov = krylovPays(dim, train, rows / folds);
  if (solver === 'krylov' || (solver === 'auto' && krylov)) return 'krylov';
  return dim <= train ? 'primal' : 'dual';
}

/**
 * How one cell's exact CV is best shared out among workers, and roughly what each share costs
 * (multiply-adds of the direct kernels), which orders the shares, costliest first. Primal (see
 * `cvMode`) solves every fold from one Gram of all rows, so its folds stay together in one share;
 * dual solves each fold on its own, so each is a share; Krylov's folds share their passes over
 * the rows, so they go in two shares (even and odd folds): two workers, with most of the sharing.
 * A primal share is costed at its tridiagonalisations, an upper bound: Lanczos on the Gram usually
 * ends sooner (`primalWeights`).
 */
export function cvShares(
  dim: number,
  rows: number,
  folds: number,
): { folds: number[]; cost: number }[] {
  const all = Array.from({ length: folds }, (_, f) => f);
  const mode = cvMode(dim, rows, folds);
  if (mode === 'primal')
    return [{ folds: all, cost: (rows * dim * dim) / 2 + (folds * 4 * dim ** 3) / 3 }];
  const train = largestTrainingFold(rows, folds);
  if (mode === 'krylov')
    return [0, 1].map((parity) => {
      const share = all.filter((f) => f % 2 === parity);
      return {
        folds: share,
        cost: share.length * 2 * krylovCost(train, dim, KRYLOV_TYPICAL_STEPS),
      };
    });
  const cost = directCost(dim, train, rows / folds);
  return all.map((f) => ({ folds: [f], cost }));
}

/** Sums over a block of rows of x − shift and of its squares, and of the targets. */
interface RowMoments {
  n: number;
  sum: Float64Array; // [cols]
  squares: Float64Array; // [cols]
  sumY: number;
}

function rowMoments(x: Matrix, y: ArrayLike<number>, rows: Int32Array, shift: Float64Array) {
  const d = x.cols;
  const m: RowMoments = {
    n: rows.length,
    sum: new Float64Array(d),
    squares: new Float64Array(d),
    sumY: 0,
  };
  for (const r of rows) {
    m.sumY += y[r];
    for (let k = 0; k < d; k++) {
      const v = x.data[r * d + k] - shift[k];
      m.sum[k] += v;
      m.squares[k] += v * v;
    }
  }
  return m;
}

/**
 * A training set for Krylov: the rows of some blocks of x, read in place, with the scaler fitted
 * on them, and their targets centred on their mean. The scaler comes from the blocks' sums, taken
 * about `shift` (the column means), so that the variance Σ(x − shift)²/n − (mean − shift)² loses
 * nothing to cancellation. (`standardisedRows` copies the rows, for the dual kernel.)
 */
function krylovTrainingSet(
  x: Matrix,
  y: ArrayLike<number>,
  blocks: readonly { rows: Int32Array; moments: RowMoments }[],
  shift: Float64Array,
  standardise = true,
) {
  const d = x.cols;
  const rows = Int32Array.from(blocks.flatMap((b) => [...b.rows]));
  const n = rows.length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  let meanY = 0;
  for (const { moments: m } of blocks) {
    meanY += m.sumY / n;
    for (let k = 0; k < d; k++) {
      mean[k] += m.sum[k] / n;
      std[k] += m.squares[k] / n;
    }
  }
  for (let k = 0; k < d; k++) {
    const v = Math.sqrt(Math.max(std[k] - mean[k] ** 2, 0));
    std[k] = standardise && v > STD_FLOOR ? v : 1;
    mean[k] += shift[k];
  }
  const c = Float64Array.from(rows, (r) => y[r] - meanY);
  const z: StandardisedRows = { x, rows, mean, std };
  return { z, c, meanY };
}

/** A fold's held-out predictions per α from its Krylov weights. */
function heldOutPredictions(
  x: Matrix,
  set: ReturnType<typeof krylovTrainingSet>,
  weights: Float64Array[],
  held: Int32Array,
): Float64Array[] {
  const { z, meanY } = set;
  const d = x.cols;
  // Raw-unit slopes, so each held-out row is read once, in place, for every α.
  const raw = weights.map((w) => toRaw(w, { mean: z.mean, std: z.std, meanY }));
  const out = weights.map(() => new Float64Array(x.rows));
  for (const r of held) {
    const base = r * d;
    raw.forEach(({ beta, offset }, a) => {
      let sum = offset;
      for (let k = 0; k < d; k++) sum += x.data[base + k] * beta[k];
      out[a][r] = sum;
    });
  }
  return out;
}

/** Joins shares of one CV (each with some folds predicted) into the whole; every row must be covered. */
export function mergeCvPredictions(parts: readonly CvPredictions[]): CvPredictions {
  const [first] = parts;
  const predictions = first.predictions.map((p, a) =>
    p.map((_, r) => {
      for (const part of parts) {
        const w = part.predictions[a][r];
        if (!Number.isNaN(w)) return w;
      }
      throw new RangeError(`row ${r} (fold ${first.fold[r]}) was predicted by no share of the CV`);
    }),
  );
  return { ...first, predictions };
}

/** RMSE of held-out predictions per fold, their mean and their spread (population std). */
export function scoreFolds(
  pred: ArrayLike<number>,
  y: ArrayLike<number>,
  fold: Int32Array,
  folds: number,
): Omit<AlphaScore, 'alpha'> {
  const sse = new Float64Array(folds);
  const count = new Float64Array(folds);
  for (let i = 0; i < y.length; i++) {
    sse[fold[i]] += (pred[i] - y[i]) ** 2;
    count[fold[i]]++;
  }
  const foldRmse = Array.from(sse, (v, f) => Math.sqrt(v / count[f]));
  const rmse = foldRmse.reduce((s, v) => s + v, 0) / folds;
  const rmseStd = Math.sqrt(foldRmse.reduce((s, v) => s + (v - rmse) ** 2, 0) / folds);
  return { rmse, rmseStd, foldRmse };
}

/** Scores CV predictions: RMSE per fold, their mean and spread per α, and the best α. */
export function scoreCv(cv: CvPredictions, y: ArrayLike<number>): RidgeCVResult {
  const { alphas, folds, fold, predictions, mode } = cv;
  const scores = alphas.map((alpha, a): AlphaScore => ({
    alpha,
    ...scoreFolds(predictions[a], y, fold, folds),
  }));
  const best = scores.reduce((b, s) => (s.rmse < b.rmse ? s : b));
  return { ...best, scores, mode };
}

/** k-fold CV of standardised ridge over an α grid; deterministic for a seed. */
export function ridgeCV(
  x: Matrix,
  y: ArrayLike<number>,
  options: RidgeCVOptions = {},
): RidgeCVResult {
  return scoreCv(cvPredictions(x, y, options), y);
}

/**
 * Fits standardised ridge on all rows at one α: primal or dual, whichever system is smaller, or
 * Krylov where that is much cheaper (as `cvMode` decides for a fold).
 */
export function fitRidge(
  x: Matrix,
  y: ArrayLike<number>,
  alpha: number,
  options: Pick<RidgeCVOptions, 'solver' | 'maxKrylovSteps'> = {},
): RidgeModel {
  checkInputs(x, y);
  checkAlphas([alpha]);
  const d = x.cols;
  const { solver = 'auto' } = options;
  const shift = columnMeans(x);
  const all = Int32Array.from({ length: x.rows }, (_, i) => i);
  if (solver === 'krylov' || (solver === 'auto' && krylovPays(d, x.rows, x.rows))) {
    const block = { rows: all, moments: rowMoments(x, y, all, shift) };
    const { z, c, meanY } = krylovTrainingSet(x, y, [block], shift);
    const maxSteps = options.maxKrylovSteps ?? krylovStepLimit(d, x.rows, x.rows);
    const solved = krylovRidge(rowsOperator(z), rowsTransposeTimes(z, c), [alpha], maxSteps);
    if (solved)
      return {
        scaler: { mean: z.mean, std: z.std },
        weights: solved.weights[0],
        bias: meanY,
        alpha,
      };
  }
  const block = blockStats(x, y, all, shift);
  let w: Float64Array;
  let meanShifted: Float64Array;
  let std: Float64Array;
  let meanY: number;
  if (d <= x.rows) {
    const gram = new Float64Array(d * d);
    addGramLower(block.cols, d, block.n, gram);
    const p = primalSystem(d, [block], gram, null);
    w = primalWeights(p, d, [alpha], solver !== 'direct').weights[0];
    ({ mean: meanShifted, std, meanY } = p);
  } else {
    const s = standardisedRows([block], d);
    w = dualWeights(s, d, y, [alpha])[0];
    ({ mean: meanShifted, std, meanY } = s);
  }
  const mean = new Float64Array(d);
  for (let k = 0; k < d; k++) mean[k] = meanShifted[k] + shift[k];
  return { scaler: { mean, std }, weights: w, bias: meanY, alpha };
}

/** Predictions of a ridge model for every row of `x`. */
export function predictRidge(model: RidgeModel, x: Matrix): Float64Array {
  const { mean, std } = model.scaler;
  if (x.cols !== mean.length)
    throw new RangeError(`model expects ${mean.length} features, got ${x.cols}`);
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let s = model.bias;
    for (let k = 0; k < x.cols; k++)
      s += ((x.data[r * x.cols + k] - mean[k]) / std[k]) * model.weights[k];
    out[r] = s;
  }
  return out;
}

/** One (strategy, layer) feature matrix, pooled in the analysis or precomputed by the engine. */
export interface FeatureCell {
  strategy: PoolingStrategy;
  layer: number;
  features: Matrix;
}

/** CV outcome of one (strategy, layer) cell. */
export interface SweepEntry {
  strategy: PoolingStrategy;
  layer: number;
  dim: number;
  result: RidgeCVResult;
  /** Set when the quick sweep fitted a sketch of the features rather than the features. */
  sketch?: SketchInfo;
  /** For a cell the quick sweep estimated and then cross-validated exactly: the estimate. */
  estimate?: number;
}

/** The sweep's picture: CV RMSE per strategy row and layer column (null where it cannot sit). */
export interface SweepGrid {
  strategies: PoolingStrategy[];
  layers: number;
  rmse: (number | null)[][]; // [strategies, layers]
  rmseStd: (number | null)[][]; // [strategies, layers]
  /** [strategies, layers]: how a cell was sketched by the quick sweep, null where it was exact. */
  sketch: (SketchInfo | null)[][];
  best: SweepEntry | null;
}

/** Sweep options: CV's, plus the quick sweep's sketch size. */
export interface SweepOptions extends RidgeCVOptions {
  /**
   * Features wider than this are fitted on an SRHT sketch of this many columns (see sketch.ts):
   * an approximate CV RMSE for the picture, in a fraction of the time. Features wider than
   * SKETCH_SPAN times this average the CV predictions of one sketch per SKETCH_SPAN times it.
   * Unset: every cell is exact.
   */
  sketch?: number;
}

/** Columns the app's quick sweep sketches wider features down to (see BENCHMARKS.md, "Pooling sweep"). */
export const QUICK_SWEEP_SKETCH = 512;

/**
 * Features per sketch: a cell gets one independent sketch per this many times the sketch size
 * (768 features → 1 sketch of 512, 1,536 → 1, 3,072 → 2). Averaging more (1.5: 2 and 4) read
 * 4.4 % high on average instead of 5.2 %, 12.8 % at worst instead of 19.1 %, but took 30 % longer
 * (43–56 s against 33–39 s for the bench's 88 cells on 2 cores before Krylov, by machine load).
 * The Fit view then cross-validates each strategy's best cell exactly, which removes the bias
 * between strategies that the extra sketches only reduced, so the minute keeps its margin.
 */
export const SKETCH_SPAN = 3;

/** Cross-validates one cell (the unit of work a worker pool hands out). */
export function sweepCell(
  cell: FeatureCell,
  y: ArrayLike<number>,
  options: SweepOptions = {},
): SweepEntry {
  const { sketch: size, ...cv } = options;
  const base = { strategy: cell.strategy, layer: cell.layer, dim: cell.features.cols };
  if (size === undefined || cell.features.cols <= size)
    return { ...base, result: ridgeCV(cell.features, y, cv) };
  // The wider cells average the CV predictions of independent sketches, which recovers part of
  // what one sketch loses (Patil & LeJeune, ICLR 2024).
  const count = Math.ceil(cell.features.cols / (SKETCH_SPAN * size));
  const seed = cv.seed ?? DEFAULT_SEED;
  let info: SketchInfo | undefined;
  let sum: CvPredictions | undefined;
  for (let s = 0; s < count; s++) {
    const sketched = srht(cell.features, size, seed + 7919 * s);
    info ??= { ...sketched.info, count };
    const cvp = cvPredictions(sketched.sketch, y, { ...cv, standardise: false });
    if (!sum) sum = cvp;
    else cvp.predictions.forEach((p, a) => p.forEach((v, r) => (sum!.predictions[a][r] += v)));
  }
  for (const p of sum!.predictions) for (let r = 0; r < p.length; r++) p[r] /= count;
  return { ...base, result: scoreCv(sum!, y), sketch: info };
}

/** Cross-validates every cell with the same folds; cells may be produced lazily. */
export function sweep(
  cells: Iterable<FeatureCell>,
  y: ArrayLike<number>,
  options: SweepOptions = {},
  onEntry?: (entry: SweepEntry) => void,
): SweepEntry[] {
  const out: SweepEntry[] = [];
  for (const cell of cells) {
    const entry = sweepCell(cell, y, options);
    onEntry?.(entry);
    out.push(entry);
  }
  return out;
}

/**
 * The quick sweep's cells to cross-validate exactly: each strategy's best estimated layer, best
 * first. Within a strategy every cell has the same width, so its sketch reads high by about the
 * same amount at every layer and the estimates pick its layer well; between strategies the bias
 * grows with the width, so the strategies are compared on exact figures.
 */
export function bestEstimates(entries: readonly SweepEntry[]): SweepEntry[] {
  const best = new Map<string, SweepEntry>();
  for (const e of entries) {
    const kept = best.get(e.strategy);
    if (e.sketch && (!kept || e.result.rmse < kept.result.rmse)) best.set(e.strategy, e);
  }
  return [...best.values()].sort((a, b) => a.result.rmse - b.result.rmse);
}

/** The entries with one cell's estimate replaced by its exact CV (the estimate kept beside it). */
export function withExactCv(
  entries: readonly SweepEntry[],
  cell: { strategy: PoolingStrategy; layer: number },
  cv: RidgeCVResult,
): SweepEntry[] {
  return entries.map((e) =>
    e.strategy === cell.strategy && e.layer === cell.layer
      ? { strategy: e.strategy, layer: e.layer, dim: e.dim, result: cv, estimate: e.result.rmse }
      : e,
  );
}

/**
 * The quick sweep's own picture: confirmed cells back at their estimates, so every cell of a line
 * reads high by the same amount (an exact figure among estimates would show as a false dip).
 */
export function estimatesOnly(entries: readonly SweepEntry[]): SweepEntry[] {
  return entries.map((e) =>
    e.estimate === undefined ? e : { ...e, result: { ...e.result, rmse: e.estimate } },
  );
}

/** Arranges sweep entries into the strategy × layer grid and picks the lowest CV RMSE. */
export function sweepGrid(entries: readonly SweepEntry[], numLayers: number): SweepGrid {
  const strategies = [...new Set(entries.map((e) => e.strategy))];
  const blank = () => strategies.map(() => new Array<number | null>(numLayers).fill(null));
  const rmse = blank();
  const rmseStd = blank();
  const sketch = strategies.map(() => new Array<SketchInfo | null>(numLayers).fill(null));
  let best: SweepEntry | null = null;
  for (const e of entries) {
    const s = strategies.indexOf(e.strategy);
    rmse[s][e.layer] = e.result.rmse;
    rmseStd[s][e.layer] = e.result.rmseStd;
    sketch[s][e.layer] = e.sketch ?? null;
    if (!best || e.result.rmse < best.result.rmse) best = e;
  }
  return { strategies, layers: numLayers, rmse, rmseStd, sketch, best };
}
