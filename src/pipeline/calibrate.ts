/**
 * Calibrating a plain encoder on labelled texts in one go, without React: features (cached per
 * text, so a cancelled run resumes), the quick sweep, each strategy's best cell cross-validated
 * exactly, and the best exact cell fitted on every row as a ridge head. The sweep runs wherever
 * the given sweeper runs it (the tab's sweep workers).
 */
import { createHead, type RidgeHead } from '../analysis/head.ts';
import { DEFAULT_FOLDS, DEFAULT_SEED } from '../analysis/crossValidate.ts';
import type { RidgeCVResult } from '../analysis/cvFolds.ts';
import { QUICK_SWEEP_SKETCH } from '../analysis/sweep.ts';
import type { Store } from '../data/store.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import type { EmbedFn } from './batchRun.ts';
import { extractFeatures, sweepPlan, type ExtractProgress, type SweepCellId } from './fitRun.ts';
import { loadedModel } from './scoring.ts';
import { cellOf, sweepConfirmInspect } from './sweepConfirmInspect.ts';
import type { SweepSession } from './sweepSession.ts';

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
  /** The sweep workers' session (Web Workers in the tab); reset it to stop a calibration. */
  sweeper: SweepSession;
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
  // The Fit view's sequence: sweep, confirm each strategy's best estimate, fit the best exactly.
  const outcome = await sweepConfirmInspect(
    sweeper,
    {
      table,
      y,
      cells,
      poolOptions,
      folds,
      seed: args.seed ?? DEFAULT_SEED,
      sketch: args.sketch ?? QUICK_SWEEP_SKETCH,
      outOfFold: false,
      signal,
    },
    {
      onEntry: (_entry, done, total) => onStep?.({ phase: 'sweeping', done, total }),
      onConfirm: (_entries, done, total) => onStep?.({ phase: 'confirming', done, total }),
    },
  );
  signal?.throwIfAborted();
  if (!outcome?.chosen || !outcome.inspection) throw new Error('the sweep fitted no cell');
  const cell = cellOf(outcome.chosen);
  onStep?.({ phase: 'fitting', cell });
  const fitted = await outcome.inspection;
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
