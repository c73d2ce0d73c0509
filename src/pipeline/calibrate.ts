/**
 * Calibrating a plain encoder on labelled texts in one go, without React: features (cached per
 * text, so a cancelled run resumes), the quick sweep, each strategy's best cell cross-validated
 * exactly, and the best exact cell fitted on every row as a ridge head. The sweep runs wherever
 * the given sweeper runs it (the tab's sweep workers).
 */
import { createHead, type RidgeHead } from '../analysis/head.ts';
import type { PoolOptions } from '../analysis/pooling.ts';
import {
  DEFAULT_FOLDS,
  DEFAULT_SEED,
  QUICK_SWEEP_SKETCH,
  sweepGrid,
  type CvPredictions,
  type RidgeCVResult,
  type RidgeModel,
  type SweepEntry,
} from '../analysis/ridge.ts';
import type { Store } from '../data/store.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import type { EmbedFn } from './batchRun.ts';
import { extractFeatures, sweepPlan, type ExtractProgress, type SweepCellId } from './fitRun.ts';
import { loadedModel, type PooledVectors } from './scoring.ts';

/** A cell's exact CV as the sweeper hands it back. */
export interface ExactCvResult {
  cv: RidgeCVResult;
  predictions: CvPredictions;
}

/** What runs the sweep (the page's `SweepClient`): sweep, confirm the best estimates, fit one cell. */
export interface Sweeper {
  sweep(
    body: {
      type: 'sweep';
      table: PooledVectors;
      y: Float64Array;
      cells: SweepCellId[];
      poolOptions: PoolOptions;
      folds: number;
      seed: number;
      sketch?: number;
    },
    onEntry?: (entry: SweepEntry, done: number, total: number) => void,
  ): Promise<SweepEntry[]>;
  confirmBest(
    entries: readonly SweepEntry[],
    onStep?: (entries: readonly SweepEntry[], done: number, total: number) => void,
  ): Promise<{ entries: SweepEntry[]; exact: Map<string, ExactCvResult> }>;
  inspect(
    cell: SweepCellId,
    entry: SweepEntry,
    known?: ExactCvResult,
  ): Promise<{ cv: RidgeCVResult; outOfFold: Float64Array; model: RidgeModel }>;
}

/** Where a calibration has got. */
export type CalibrationStep =
  | { phase: 'extracting'; progress: ExtractProgress }
  | { phase: 'sweeping'; done: number; total: number }
  | { phase: 'confirming'; done: number; total: number }
  | { phase: 'fitting'; cell: SweepCellId };

export interface CalibrateArgs {
  rows: readonly { text: string; target: number }[];
  info: ModelInfo;
  db: Store | null;
  embed: EmbedFn;
  sweeper: Sweeper;
  /** What the head says it was fitted on (e.g. `trainedOnCorpus`). */
  trainedOn: string;
  signal?: AbortSignal;
  onStep?: (step: CalibrationStep) => void;
  folds?: number;
  seed?: number;
  sketch?: number;
}

/** The head a calibration fitted, and the cell it sits on with its exact CV. */
export interface Calibration {
  head: RidgeHead;
  cell: SweepCellId;
  cv: RidgeCVResult;
}

/**
 * Extracts, sweeps, confirms and fits: the best cell on exact figures, as a head for the loaded
 * model. Null when `signal` stopped it during extraction (what was extracted stays cached); a stop
 * later rejects as the sweeper does when it is reset.
 */
export async function calibrate(args: CalibrateArgs): Promise<Calibration | null> {
  const { rows, info, sweeper, signal, onStep } = args;
  const folds = Math.min(args.folds ?? DEFAULT_FOLDS, rows.length);
  if (folds < 2) throw new RangeError('calibration needs at least two labelled texts');
  const y = Float64Array.from(rows, (r) => r.target);
  const table = await extractFeatures({
    texts: rows.map((r) => r.text),
    info,
    db: args.db,
    embed: args.embed,
    signal,
    onProgress: (progress) => onStep?.({ phase: 'extracting', progress }),
  });
  if (!table) return null;
  const { cells, poolOptions } = sweepPlan(info.layers);
  onStep?.({ phase: 'sweeping', done: 0, total: cells.length });
  const swept = await sweeper.sweep(
    {
      type: 'sweep',
      table,
      y,
      cells,
      poolOptions,
      folds,
      seed: args.seed ?? DEFAULT_SEED,
      sketch: args.sketch ?? QUICK_SWEEP_SKETCH,
    },
    (_entry, done, total) => onStep?.({ phase: 'sweeping', done, total }),
  );
  signal?.throwIfAborted();
  const { entries, exact } = await sweeper.confirmBest(swept, (_entries, done, total) =>
    onStep?.({ phase: 'confirming', done, total }),
  );
  signal?.throwIfAborted();
  const best = sweepGrid(entries, info.layers).best;
  if (!best) throw new Error('the sweep fitted no cell');
  const cell = { strategy: best.strategy, layer: best.layer } as SweepCellId;
  onStep?.({ phase: 'fitting', cell });
  const fitted = await sweeper.inspect(cell, best, exact.get(`${cell.strategy}@${cell.layer}`));
  signal?.throwIfAborted();
  const head = createHead({
    model: loadedModel(info),
    strategy: cell.strategy,
    layer: cell.layer,
    poolOptions,
    ridge: fitted.model,
    cv: fitted.cv,
    rows: rows.length,
    trainedOn: args.trainedOn,
  });
  return { head, cell, cv: fitted.cv };
}
