// The strategy × layer sweep: one ridge CV per (strategy, layer) cell, all on the same folds, and
// its grid. The quick sweep fits cells wider than a sketch size on an SRHT sketch (sketch.ts) for
// an estimate; each strategy's best estimate is then cross-validated exactly (`bestEstimates`,
// `withExactCv`), so strategies are compared, and the best cell picked, on exact figures.

import { crossValidate, DEFAULT_SEED, type RidgeCVOptions } from './crossValidate.ts';
import { scoreCv, type CvPredictions, type RidgeCVResult } from './cvFolds.ts';
import type { Matrix } from './matrix.ts';
import type { PoolingStrategy } from './pooling.ts';
import { srht, type SketchInfo } from './sketch.ts';

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
    return { ...base, result: scoreCv(crossValidate(cell.features, y, cv), y) };
  // The wider cells average the CV predictions of independent sketches, which recovers part of
  // what one sketch loses (Patil & LeJeune, ICLR 2024).
  const count = Math.ceil(cell.features.cols / (SKETCH_SPAN * size));
  const seed = cv.seed ?? DEFAULT_SEED;
  let info: SketchInfo | undefined;
  let sum: CvPredictions | undefined;
  for (let s = 0; s < count; s++) {
    const sketched = srht(cell.features, size, seed + 7919 * s);
    info ??= { ...sketched.info, count };
    const cvp = crossValidate(sketched.sketch, y, { ...cv, standardise: false });
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
