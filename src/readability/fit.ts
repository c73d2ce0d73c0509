import {
  CHAR_BUCKETS,
  DENSE_FEATURES,
  WORD_BUCKETS,
  Z_CLIP,
  extractFeatures,
  type SparseVector,
  type TextFeatures,
} from './features.ts';
import { makeRng } from '../analysis/rng.ts';
import { FORMULA_IDS } from './formulas.ts';
import { centreGram, solveDual, type Gram } from './ridge.ts';

/** A labelled text: an excerpt and its CommonLit target. */
export interface LabelledText {
  text: string;
  target: number;
}

/** How much each feature group weighs in the kernel; ridge shrinks every group with one alpha. */
export interface GroupWeights {
  dense: number;
  words: number;
  chars: number;
}

/** Settings of a lite-model fit. */
export interface FitOptions {
  folds: number;
  seed: number;
  alphas: readonly number[];
  groups: GroupWeights;
  /** Progress lines, for the command line. */
  log?: (line: string) => void;
}

/** Kernel weights of the feature groups, chosen on CLEAR by cross-validation (see README). */
export const DEFAULT_GROUPS: GroupWeights = { dense: 0.02, words: 1, chars: 0.5 };

/** Ridge penalties the fit chooses among by cross-validation. */
export const DEFAULT_ALPHAS: readonly number[] = [0.25, 0.5, 1, 2, 4];

/** Mean and standard deviation of a per-fold RMSE. */
export interface FoldRmse {
  mean: number;
  sd: number;
  folds: number[];
}

/** What a fit measured: CV RMSE of the chosen alpha, of every alpha tried, and of the baselines. */
export interface FitReport {
  n: number;
  folds: number;
  seed: number;
  alpha: number;
  cv: FoldRmse;
  byAlpha: { alpha: number; cv: FoldRmse }[];
  baselines: { mean: FoldRmse; formulas: FoldRmse };
}

/** The fitted model at full precision, before quantisation. */
export interface FittedModel {
  intercept: number;
  denseMean: Float64Array;
  denseSd: Float64Array;
  /** Weights on standardised, clipped dense features. */
  dense: Float64Array;
  words: Float64Array; // [WORD_BUCKETS]
  chars: Float64Array; // [CHAR_BUCKETS]
}

/** A seeded PRNG (mulberry32, shared with analysis/), so folds repeat for a seed. */
export const mulberry32 = makeRng;

/** Assigns each of n rows to one of k folds, shuffled by the seed. */
export function foldsOf(n: number, k: number, seed: number): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const fold = new Int32Array(n);
  order.forEach((row, position) => (fold[row] = position % k));
  return fold;
}

/** Root mean squared error. */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += (predicted[i] - actual[i]) ** 2;
  return Math.sqrt(s / actual.length);
}

function summary(folds: number[]): FoldRmse {
  const mean = folds.reduce((a, b) => a + b, 0) / folds.length;
  const sd = Math.sqrt(
    folds.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, folds.length - 1),
  );
  return { mean, sd, folds };
}

/** Gram matrix of one sparse feature group over all rows, through an inverted index. */
export function sparseGram(vectors: readonly SparseVector[]): Gram {
  const n = vectors.length;
  const postings = new Map<number, { row: number; value: number }[]>();
  vectors.forEach((v, row) => {
    v.indices.forEach((bucket, i) => {
      const list = postings.get(bucket) ?? [];
      list.push({ row, value: v.values[i] });
      postings.set(bucket, list);
    });
  });
  const data = new Float64Array(n * n);
  for (const list of postings.values()) {
    for (let a = 0; a < list.length; a++) {
      const { row, value } = list[a];
      for (let b = a; b < list.length; b++) data[row * n + list[b].row] += value * list[b].value;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) data[i * n + j] = data[j * n + i];
  return { n, data };
}

/** Column means and standard deviations of the dense features over the given rows. */
export function standardiser(dense: readonly Float64Array[], rows: readonly number[]) {
  const d = DENSE_FEATURES.length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const r of rows) for (let k = 0; k < d; k++) mean[k] += dense[r][k] / rows.length;
  for (const r of rows)
    for (let k = 0; k < d; k++) sd[k] += (dense[r][k] - mean[k]) ** 2 / rows.length;
  // A constant feature carries nothing; a unit scale keeps it at zero instead of dividing by zero.
  for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k]) || 1;
  return { mean, sd };
}

/** Standardised, clipped dense features. */
export function standardise(x: Float64Array, mean: Float64Array, sd: Float64Array): Float64Array {
  return x.map((v, k) => Math.min(Z_CLIP, Math.max(-Z_CLIP, (v - mean[k]) / sd[k])));
}

interface Kernels {
  dense: readonly Float64Array[];
  sparse: Gram; // words and chars, already weighted
}

// Kernel of the rows `a` against rows `b`: weighted dense part with this fold's standardiser plus the sparse part.
function block(
  kernels: Kernels,
  z: readonly Float64Array[],
  a: readonly number[],
  b: readonly number[],
  denseWeight: number,
): Float64Array {
  const { n, data } = kernels.sparse;
  const out = new Float64Array(a.length * b.length);
  a.forEach((i, p) => {
    const zi = z[i];
    b.forEach((j, q) => {
      let s = 0;
      const zj = z[j];
      for (let k = 0; k < zi.length; k++) s += zi[k] * zj[k];
      out[p * b.length + q] = denseWeight * s + data[i * n + j];
    });
  });
  return out;
}

interface DualFit {
  predict: (alphaIndex: number) => Float64Array;
}

// Fits every alpha on `train` (largest first, each warm-starting the next) and predicts `test`.
function fitDual(
  kernels: Kernels,
  targets: Float64Array,
  train: number[],
  test: number[],
  options: FitOptions,
) {
  const { mean, sd } = standardiser(kernels.dense, train);
  const z = kernels.dense.map((x) => standardise(x, mean, sd));
  const gram: Gram = {
    n: train.length,
    data: block(kernels, z, train, train, options.groups.dense),
  };
  const { rowMeans, grandMean } = centreGram(gram);
  const cross = block(kernels, z, test, train, options.groups.dense);
  const m = train.length;
  const yMean = train.reduce((s, r) => s + targets[r], 0) / m;
  const y = Float64Array.from(train, (r) => targets[r] - yMean);
  const order = options.alphas.map((a, i) => ({ a, i })).sort((p, q) => q.a - p.a);
  const coefs: Float64Array[] = [];
  let start: Float64Array | undefined;
  for (const { a, i } of order) {
    start = solveDual(gram, y, a, start);
    coefs[i] = start;
  }
  const predict = (alphaIndex: number) =>
    Float64Array.from(test, (_, t) => {
      const c = coefs[alphaIndex];
      let rowMean = 0;
      for (let j = 0; j < m; j++) rowMean += cross[t * m + j] / m;
      let s = yMean;
      for (let j = 0; j < m; j++)
        s += c[j] * (cross[t * m + j] - rowMean - rowMeans[j] + grandMean);
      return s;
    });
  return { predict, coefs, z, mean, sd, yMean } satisfies DualFit & Record<string, unknown>;
}

/** Ordinary least squares of y on a few columns (with intercept), by the normal equations; for baselines. */
export function leastSquares(
  x: readonly number[][],
  y: readonly number[],
): (row: number[]) => number {
  const d = x[0].length + 1;
  const a = Array.from({ length: d }, () => new Float64Array(d + 1));
  x.forEach((row, i) => {
    const r = [1, ...row];
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) a[p][q] += r[p] * r[q];
      a[p][d] += r[p] * y[i];
    }
  });
  // A whisper of ridge keeps collinear formulas (they share inputs) solvable.
  for (let p = 1; p < d; p++) a[p][p] += 1e-8 * (a[p][p] || 1);
  for (let p = 0; p < d; p++) {
    let pivot = p;
    for (let r = p + 1; r < d; r++) if (Math.abs(a[r][p]) > Math.abs(a[pivot][p])) pivot = r;
    [a[p], a[pivot]] = [a[pivot], a[p]];
    for (let r = 0; r < d; r++) {
      if (r === p || a[p][p] === 0) continue;
      const f = a[r][p] / a[p][p];
      for (let q = p; q <= d; q++) a[r][q] -= f * a[p][q];
    }
  }
  const beta = a.map((row, p) => (row[p] === 0 ? 0 : row[d] / row[p]));
  return (row) => beta[0] + row.reduce((s, v, k) => s + v * beta[k + 1], 0);
}

/** Features and unweighted sparse Gram matrices of labelled texts, computed once per data set. */
export interface Prepared {
  targets: Float64Array;
  features: TextFeatures[];
  words: Gram;
  chars: Gram;
}

/** Extracts features from labelled texts once, for cross-validation and the final fit. */
export function prepare(rows: readonly LabelledText[]): Prepared {
  const features = rows.map((r) => extractFeatures(r.text));
  return {
    targets: Float64Array.from(rows, (r) => r.target),
    features,
    words: sparseGram(features.map((f) => f.words)),
    chars: sparseGram(features.map((f) => f.chars)),
  };
}

function kernelsOf(prepared: Prepared, groups: GroupWeights): Kernels {
  const { words, chars, features } = prepared;
  const data = words.data.map((v, i) => groups.words * v + groups.chars * chars.data[i]);
  return { dense: features.map((f) => f.dense), sparse: { n: words.n, data } };
}

// The eight formulas sit together among the dense features, from 'flesch' on.
const FORMULA_START = DENSE_FEATURES.indexOf('flesch');

/** Cross-validates every alpha and the baselines, picks the best alpha, and fits it on all rows. */
export function fitLite(
  rows: readonly LabelledText[],
  options: FitOptions,
): { model: FittedModel; report: FitReport } {
  return fitPrepared(prepare(rows), options);
}

/** `fitLite` on features already extracted. */
export function fitPrepared(
  prepared: Prepared,
  options: FitOptions,
): { model: FittedModel; report: FitReport } {
  const log = options.log ?? (() => {});
  const { targets, features } = prepared;
  const n = targets.length;
  const kernels = kernelsOf(prepared, options.groups);
  const fold = foldsOf(n, options.folds, options.seed);
  const perAlpha: number[][] = options.alphas.map(() => []);
  const meanBaseline: number[] = [];
  const formulaBaseline: number[] = [];
  for (let f = 0; f < options.folds; f++) {
    const train = [...fold.keys()].filter((i) => fold[i] !== f);
    const test = [...fold.keys()].filter((i) => fold[i] === f);
    const actual = test.map((i) => targets[i]);
    const fit = fitDual(kernels, targets, train, test, options);
    options.alphas.forEach((_, a) => perAlpha[a].push(rmse(fit.predict(a), actual)));
    meanBaseline.push(
      rmse(
        test.map(() => fit.yMean),
        actual,
      ),
    );
    const formulaRow = (i: number) =>
      Array.from(features[i].dense.subarray(FORMULA_START, FORMULA_START + FORMULA_IDS.length));
    const ols = leastSquares(
      train.map(formulaRow),
      train.map((i) => targets[i]),
    );
    formulaBaseline.push(
      rmse(
        test.map((i) => ols(formulaRow(i))),
        actual,
      ),
    );
    log(`fold ${f + 1}/${options.folds}: ${perAlpha.map((r) => r[f].toFixed(4)).join(' ')}`);
  }
  const byAlpha = options.alphas.map((alpha, a) => ({ alpha, cv: summary(perAlpha[a]) }));
  const best = byAlpha.reduce((p, q) => (q.cv.mean < p.cv.mean ? q : p));
  const model = fitAll(kernels, features, targets, best.alpha, options);
  const report: FitReport = {
    n,
    folds: options.folds,
    seed: options.seed,
    alpha: best.alpha,
    cv: best.cv,
    byAlpha,
    baselines: { mean: summary(meanBaseline), formulas: summary(formulaBaseline) },
  };
  return { model, report };
}

// The final fit on every row, turned from dual coefficients into weights per feature.
function fitAll(
  kernels: Kernels,
  features: readonly TextFeatures[],
  targets: Float64Array,
  alpha: number,
  options: FitOptions,
): FittedModel {
  const all = [...targets.keys()];
  const path = options.alphas.filter((a) => a >= alpha);
  const fit = fitDual(kernels, targets, all, [], { ...options, alphas: path });
  const c = fit.coefs[path.indexOf(alpha)];
  const d = DENSE_FEATURES.length;
  const dense = new Float64Array(d);
  const words = new Float64Array(WORD_BUCKETS);
  const chars = new Float64Array(CHAR_BUCKETS);
  all.forEach((i) => {
    for (let k = 0; k < d; k++) dense[k] += options.groups.dense * c[i] * fit.z[i][k];
    const { words: w, chars: ch } = features[i];
    w.indices.forEach((b, j) => (words[b] += options.groups.words * c[i] * w.values[j]));
    ch.indices.forEach((b, j) => (chars[b] += options.groups.chars * c[i] * ch.values[j]));
  });
  // The intercept makes the mean training prediction equal the mean target, as centring implied.
  let linear = 0;
  all.forEach((i) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += dense[k] * fit.z[i][k];
    features[i].words.indices.forEach((b, j) => (s += words[b] * features[i].words.values[j]));
    features[i].chars.indices.forEach((b, j) => (s += chars[b] * features[i].chars.values[j]));
    linear += s / all.length;
  });
  return {
    intercept: fit.yMean - linear,
    denseMean: fit.mean,
    denseSd: fit.sd,
    dense,
    words,
    chars,
  };
}
