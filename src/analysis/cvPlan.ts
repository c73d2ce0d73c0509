// How a ridge cell is solved, and what that costs. Direct solves: primal (a d × d system from one
// Gram of all rows) while the features are no more than a training fold's rows, dual (an n × n
// kernel per fold) beyond. Krylov (krylov.ts): Lanczos over the rows, the folds in step, where that
// is several times cheaper than either (the widest cells), and Lanczos on a primal Gram from a few
// hundred features up. Costs are counted in multiply-adds and weighed by the kernels' measured
// speeds (BENCHMARKS.md, "Pooling sweep"); they also decide how a cell's CV is shared out among
// workers.

import { KRYLOV_TYPICAL_STEPS, krylovCost } from './krylov.ts';
import type { Kernels } from './simd.ts';

/** How a fold's system is solved: directly (primal d×d or dual n×n) or by multi-shift Krylov. */
export type CvMode = 'primal' | 'dual' | 'krylov';

/**
 * 'auto' (default): Lanczos where it pays (see `cvMode` and `gramStepLimit`); 'direct': never;
 * 'krylov': every fold by Lanczos over the rows (for tests and benchmarks).
 */
export type Solver = 'auto' | 'direct' | 'krylov';

/** Rows in the largest training fold of `kFold`: all but the smallest fold. */
export const largestTrainingFold = (rows: number, folds: number) => rows - Math.floor(rows / folds);

/** Below this width a tridiagonalisation is cheap enough that Lanczos on the Gram does not pay. */
export const GRAM_KRYLOV_MIN_DIM = 256;

/**
 * Lanczos steps on a d × d Gram that cost about what its tridiagonalisation (4d³/3 multiply-adds)
 * does. A step is a d² product, and its reorthogonalisation against the s steps before it 4·s·d
 * (2s²·d over s steps). Their speeds relative to the tridiagonalisation's, measured on one core
 * (BENCHMARKS.md, "Pooling sweep"): on the SIMD kernels the product runs at about 0.6 and the
 * reorthogonalisation at 0.4 of its multiply-adds per second (the tridiagonalisation's sweep keeps
 * two rows and four vectors in cache); in plain JavaScript both run at about a third.
 */
export function gramStepLimit(d: number, kernels: Kernels): number {
  const [product, basis] = kernels ? [0.6, 0.4] : [1 / 3, 1 / 3];
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
function lanczosSpeedup(kernels: Kernels): number {
  return kernels ? 1.4 : 1;
}

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
export function krylovPays(dim: number, train: number, gramRows: number): boolean {
  return (
    KRYLOV_MARGIN * krylovCost(train, dim, KRYLOV_TYPICAL_STEPS) < directCost(dim, train, gramRows)
  );
}

/** Lanczos steps that cost about what the direct solve does (Krylov's slower passes counted). */
export function krylovStepLimit(
  dim: number,
  train: number,
  gramRows: number,
  kernels: Kernels,
): number {
  const budget = (directCost(dim, train, gramRows) / 2) * lanczosSpeedup(kernels);
  let steps = KRYLOV_TYPICAL_STEPS;
  while (krylovCost(train, dim, steps + 50) <= budget) steps += 50;
  return steps;
}

/**
 * How k-fold CV solves a cell: primal (a `dim` × `dim` system from one Gram of all rows) while the
 * features are no more than the largest training fold's rows, dual (a kernel per fold) beyond, and
 * Krylov per fold where that is several times cheaper than either (the widest cells).
 */
export function cvMode(dim: number, rows: number, folds: number, solver: Solver = 'auto'): CvMode {
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
 * ends sooner (`gramStepLimit`).
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
