// The direct ridge solves, exact to rounding, on sums taken once per block of rows (a CV fold, or
// all rows for a fit). Primal: the blocks' Grams are summed, so each training fold's Gram is "all
// minus its held-out block", and its scaler comes from the same sums (matrix.ts `pooledScaler`).
// Its standardised system is solved for every α at once: by multi-shift Lanczos on the Gram
// (krylov.ts) from a few hundred features up, which converges in tens to hundreds of d² steps, or
// by one Householder tridiagonalisation, after which each α costs O(d²). Dual, where features
// outnumber the training rows: one n × n kernel per fold, tridiagonalised once for every α.

import { gramStepLimit, GRAM_KRYLOV_MIN_DIM } from './cvPlan.ts';
import { krylovRidge, lowerOperator } from './krylov.ts';
import { addGramLower, applyQt, solveShifted, tridiagonalize } from './linalg.ts';
import { pooledScaler, rowMoments, type Matrix, type RowMoments } from './matrix.ts';
import type { Kernels } from './simd.ts';

/** A block's rows, shifted by a global offset so later subtractions lose little, and their sums. */
export interface BlockStats extends RowMoments {
  rows: Int32Array;
  cols: Float64Array; // [d, n] feature-major, shifted
  xy: Float64Array; // [d]
  gram?: Float64Array; // [d, d] lower triangle (primal only)
}

/** The block of `rows` of x and y, about `shift`. */
export function blockStats(
  x: Matrix,
  y: ArrayLike<number>,
  rows: Int32Array,
  shift: Float64Array,
): BlockStats {
  const d = x.cols;
  const n = rows.length;
  const cols = new Float64Array(d * n);
  const xy = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const base = rows[r] * d;
    const yr = y[rows[r]];
    for (let k = 0; k < d; k++) {
      const v = x.data[base + k] - shift[k];
      cols[k * n + r] = v;
      xy[k] += v * yr;
    }
  }
  const { sum, squares, sumY } = rowMoments(x, y, rows, shift);
  // One literal, gram included, so every block has the one shape the hot loops read.
  return { n, sum, squares, sumY, rows, cols, xy, gram: undefined };
}

/** A linear model over shifted features: z-unit weights with the scaler that turns them raw. */
export interface ZUnitFit {
  mean: Float64Array; // [d], about the blocks' shift
  std: Float64Array; // [d]
  meanY: number;
}

/** A training set's standardised normal equations: (C + αI)w = b, with C and b in z-units. */
interface Primal extends ZUnitFit {
  c: Float64Array; // [d, d] lower triangle
  b: Float64Array; // [d]
}

function primalSystem(
  d: number,
  all: readonly BlockStats[],
  gram: Float64Array,
  heldOut: BlockStats | null,
  standardise = true,
): Primal {
  const training = all.filter((s) => s !== heldOut);
  const { n, mean, std, meanY } = pooledScaler(training, standardise);
  const xy = new Float64Array(d);
  for (const s of training) for (let k = 0; k < d; k++) xy[k] += s.xy[k];
  const c = gram.slice();
  if (heldOut?.gram) for (let i = 0; i < c.length; i++) c[i] -= heldOut.gram[i];
  // Centre and scale: C = D⁻¹(G − n·μμᵀ)D⁻¹, D the training fold's stds.
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++)
      c[i * d + j] = (c[i * d + j] - n * mean[i] * mean[j]) / (std[i] * std[j]);
  const b = new Float64Array(d);
  for (let k = 0; k < d; k++) b[k] = (xy[k] - n * mean[k] * meanY) / std[k];
  return { c, b, mean, std, meanY };
}

/** The blocks' Grams (lower triangles), each kept on its block, and their sum. */
function blockGrams(blocks: readonly BlockStats[], d: number, kernels: Kernels): Float64Array {
  const gram = new Float64Array(d * d);
  for (const b of blocks) {
    b.gram = new Float64Array(d * d);
    addGramLower(b.cols, d, b.n, b.gram, kernels);
    for (let i = 0; i < gram.length; i++) gram[i] += b.gram[i];
  }
  return gram;
}

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
  kernels: Kernels,
): { weights: Float64Array[]; byKrylov: boolean } {
  if (mayUseKrylov && d >= GRAM_KRYLOV_MIN_DIM) {
    const operator = lowerOperator(p.c, d, kernels);
    const solved = krylovRidge(operator, p.b, alphas, gramStepLimit(d, kernels), kernels);
    if (solved) return { weights: solved.weights, byKrylov: true };
  }
  const t = tridiagonalize(p.c, d, kernels);
  const c = p.b.slice();
  applyQt(t, c);
  return { weights: alphas.map((alpha) => solveShifted(t, c, alpha)), byKrylov: false };
}

/** Turns z-unit weights into raw-unit slopes and an intercept over shifted features. */
export function toRaw(w: Float64Array, p: ZUnitFit): { beta: Float64Array; offset: number } {
  const beta = new Float64Array(w.length);
  let offset = p.meanY;
  for (let k = 0; k < w.length; k++) {
    beta[k] = w[k] / p.std[k];
    offset -= p.mean[k] * beta[k];
  }
  return { beta, offset };
}

/** Predictions of a linear model for a block's rows, into `out` at their row indices. */
function blockPredict(
  block: BlockStats,
  beta: Float64Array,
  offset: number,
  out: Float64Array,
): void {
  const { n, cols, rows } = block;
  const pred = new Float64Array(n).fill(offset);
  for (let k = 0; k < beta.length; k++) {
    const bk = beta[k];
    const base = k * n;
    for (let r = 0; r < n; r++) pred[r] += cols[base + r] * bk;
  }
  for (let r = 0; r < n; r++) out[rows[r]] = pred[r];
}

/** Standardised training rows, row-major [n, d], for the dual form. */
function standardisedRows(blocks: readonly BlockStats[], d: number, standardise = true) {
  const { n, mean, std, meanY } = pooledScaler(blocks, standardise);
  const z = new Float64Array(n * d);
  const rows = new Int32Array(n);
  let at = 0;
  for (const s of blocks)
    for (let r = 0; r < s.n; r++, at++) {
      rows[at] = s.rows[r];
      for (let k = 0; k < d; k++) z[at * d + k] = (s.cols[k * s.n + r] - mean[k]) / std[k];
    }
  return { n, z, rows, mean, std, meanY };
}

/** Dual solve for every α: returns z-unit weights w = Zᵀ(ZZᵀ + αI)⁻¹(y − ȳ) per α. */
function dualWeights(
  s: ReturnType<typeof standardisedRows>,
  d: number,
  y: ArrayLike<number>,
  alphas: readonly number[],
  kernels: Kernels,
): Float64Array[] {
  const { n, z, rows, meanY } = s;
  const kernel = new Float64Array(n * n);
  addGramLower(z, n, d, kernel, kernels);
  const t = tridiagonalize(kernel, n, kernels);
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

/** How the direct CV solves its folds. */
export interface DirectCvSetup {
  mode: 'primal' | 'dual';
  alphas: readonly number[];
  standardise?: boolean;
  /** Whether a primal fold may go to Lanczos on its Gram first. */
  mayUseKrylov: boolean;
  kernels: Kernels;
}

/**
 * The held-out predictions of the folds `held` (indices into `folds`, the rows of each fold),
 * written into `predictions` ([alphas][rows]) at their rows; every fold's block sums are taken
 * once, about `shift` (the column means).
 */
export function directCv(
  x: Matrix,
  y: ArrayLike<number>,
  folds: readonly Int32Array[],
  held: readonly number[],
  shift: Float64Array,
  setup: DirectCvSetup,
  predictions: Float64Array[],
): void {
  const { alphas, standardise, kernels } = setup;
  const d = x.cols;
  const blocks = folds.map((rows) => blockStats(x, y, rows, shift));
  if (setup.mode === 'primal') {
    const gram = blockGrams(blocks, d, kernels);
    let mayUseKrylov = setup.mayUseKrylov;
    for (const f of held) {
      const p = primalSystem(d, blocks, gram, blocks[f], standardise);
      const solved = primalWeights(p, d, alphas, mayUseKrylov, kernels);
      // A spectrum too slow for Lanczos in one fold is as slow in the others: solve them directly.
      mayUseKrylov &&= solved.byKrylov;
      solved.weights.forEach((w, a) => {
        const { beta, offset } = toRaw(w, p);
        blockPredict(blocks[f], beta, offset, predictions[a]);
      });
    }
    return;
  }
  for (const f of held) {
    const s = standardisedRows(
      blocks.filter((_, g) => g !== f),
      d,
      standardise,
    );
    dualWeights(s, d, y, alphas, kernels).forEach((w, a) => {
      const { beta, offset } = toRaw(w, s);
      blockPredict(blocks[f], beta, offset, predictions[a]);
    });
  }
}

/**
 * A direct fit on every row at one α: primal while the features are no more than the rows, dual
 * beyond. Its z-unit weights and the scaler, about `shift`.
 */
export function directFit(
  x: Matrix,
  y: ArrayLike<number>,
  alpha: number,
  shift: Float64Array,
  mayUseKrylov: boolean,
  kernels: Kernels,
): ZUnitFit & { weights: Float64Array } {
  const d = x.cols;
  const all = Int32Array.from({ length: x.rows }, (_, i) => i);
  const block = blockStats(x, y, all, shift);
  if (d <= x.rows) {
    const gram = new Float64Array(d * d);
    addGramLower(block.cols, d, block.n, gram, kernels);
    const p = primalSystem(d, [block], gram, null);
    const [weights] = primalWeights(p, d, [alpha], mayUseKrylov, kernels).weights;
    return { mean: p.mean, std: p.std, meanY: p.meanY, weights };
  }
  const s = standardisedRows([block], d);
  const [weights] = dualWeights(s, d, y, [alpha], kernels);
  return { mean: s.mean, std: s.std, meanY: s.meanY, weights };
}
