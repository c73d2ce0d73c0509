/**
 * The CLEAR corpus as the app and the CLI use it, without React: what it is and under which licence,
 * stratified subsets of it, how precise a cross-validation on each subset is, and what extracting
 * and sweeping one will cost on the loaded model, from a measured rate.
 */
import type { BatchPooling } from '../engine/protocol.ts';
import { makeRng } from '../analysis/rng.ts';
import type { EmbedFn } from './batchRun.ts';
import { FIT_POOLINGS } from './fitRun.ts';

/** The corpus shipped with the app, with what must be said wherever it is used. */
export const CLEAR_CORPUS = {
  name: 'CLEAR corpus',
  /** Where it lies: under the app's base URL, and under `public/` in the repository. */
  path: 'data/clear-train.csv',
  excerpts: 3538,
  /** Size of the file, for the download's progress and the offer to fetch it. */
  bytes: 3_705_445,
  licence: 'CC BY-NC-SA 4.0',
  licenceUrl: 'https://creativecommons.org/licenses/by-nc-sa/4.0/',
  short: 'Crossley et al. 2023',
  citation:
    'Crossley, S., Heintz, A., Choi, J. S., Batchelor, J., Karimi, M., & Malatinszky, A. (2023). ' +
    'A large-scaled corpus for assessing text readability. Behavior Research Methods, 55, 491–507.',
} as const;

/** The subset sizes offered; `all` is every usable excerpt. */
export const SUBSET_SIZES = [500, 1000, 'all'] as const;
export type SubsetSize = number | 'all';

/** The seed the subsets are drawn with, so the same size is the same texts (and cache hits) each time. */
export const SUBSET_SEED = 42;

/** Fewest excerpts a subset may have: five folds of at least two rows. */
export const MIN_SUBSET = 10;

/** The number of excerpts a size stands for, out of `available`. */
export function subsetCount(size: SubsetSize, available: number): number {
  return size === 'all' ? available : Math.min(size, available);
}

/**
 * `size` rows stratified by target: the rows sorted by target are cut into `size` strata of as
 * equal a size as can be, and one row is drawn from each (seeded), so every part of the scale is
 * represented in proportion. Returned in file order. Every row when `size` is at least their number.
 */
export function stratifiedSubset<R extends { target: number }>(
  rows: readonly R[],
  size: number,
  seed = SUBSET_SEED,
): R[] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`a subset needs a whole number of rows, 1 or more (got ${size})`);
  if (size >= rows.length) return [...rows];
  const byTarget = rows.map((_, i) => i).sort((a, b) => rows[a].target - rows[b].target || a - b);
  const random = makeRng(seed);
  const picked: number[] = [];
  for (let s = 0; s < size; s++) {
    const start = Math.floor((s * rows.length) / size);
    const end = Math.floor(((s + 1) * rows.length) / size);
    picked.push(byTarget[start + Math.floor(random() * (end - start))]);
  }
  return picked.sort((a, b) => a - b).map((i) => rows[i]);
}

/**
 * How precisely a CV RMSE on `n` rows is known, as a share of the RMSE itself: one standard error,
 * 1/√(2n), for residuals that are roughly normal (the RMSE of n of them has a relative spread of
 * √((κ−1)/4n) with kurtosis κ = 3).
 */
export function cvPrecision(n: number): number {
  return 1 / Math.sqrt(2 * n);
}

/** The figure the sweep estimate is scaled from: README and BENCHMARKS.md's quick sweep. */
const SWEEP_REFERENCE = { seconds: 25, rows: 3000, cells: 88, width: 512, cores: 2 };

/** What a run on `rows` excerpts should take, in seconds. */
export interface CostEstimate {
  /** Running the model over every text (texts already cached take next to none). */
  extractSeconds: number;
  /** The quick sweep and its exact confirmation. */
  sweepSeconds: number;
}

/**
 * The cost of extracting and sweeping `rows` texts: extraction at the measured `secondsPerText`,
 * the sweep scaled from the reference figure (a base-size model's 88 cells on 3,000 rows and two
 * cores, about 25 s) by rows, cells, the square of the width it solves at (at most the sketch's
 * 512 columns) and cores.
 */
export function estimateCost(args: {
  rows: number;
  secondsPerText: number;
  hidden: number;
  cells: number;
  cores: number;
}): CostEstimate {
  const r = SWEEP_REFERENCE;
  const width = Math.min(args.hidden, r.width) / r.width;
  return {
    extractSeconds: args.rows * args.secondsPerText,
    sweepSeconds:
      r.seconds *
      (args.rows / r.rows) *
      (args.cells / r.cells) *
      width ** 2 *
      (r.cores / Math.max(1, args.cores)),
  };
}

/** Texts the warm-up batch reads. */
export const WARMUP_TEXTS = 8;

/**
 * The model's rate on this backend: seconds per text for one batch of `texts` (the warm-up: a few
 * excerpts spread over the corpus), with the poolings a fit extracts. Not cached: a cached text
 * would time the store, not the model.
 */
export async function measureRate(
  embed: EmbedFn,
  texts: readonly string[],
  { now = () => performance.now(), signal }: { now?: () => number; signal?: AbortSignal } = {},
): Promise<number> {
  if (!texts.length) throw new RangeError('the warm-up needs at least one text');
  const pooling: BatchPooling[] = [...FIT_POOLINGS];
  const started = now();
  await embed([...texts], pooling, signal);
  return (now() - started) / 1000 / texts.length;
}

/** The name a head fitted on a subset gets, and the `trainedOn` it carries. */
export function corpusLabel(rows: number, available: number): string {
  const n = rows.toLocaleString('en');
  return rows >= available
    ? `${CLEAR_CORPUS.name}, all ${n} excerpts`
    : `${CLEAR_CORPUS.name}, ${n} of ${available.toLocaleString('en')} excerpts`;
}

/** What a head fitted on a subset says it was trained on: the subset, the citation and licence. */
export function trainedOnCorpus(rows: number, available: number): string {
  return `${corpusLabel(rows, available)} (${CLEAR_CORPUS.short}, ${CLEAR_CORPUS.licence})`;
}
