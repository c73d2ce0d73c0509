import { useEffect, useMemo, useRef, useState } from 'react';
import { DEFAULT_FOLDS, DEFAULT_SEED } from '../../../analysis/crossValidate.ts';
import type { RidgeCVResult } from '../../../analysis/cvFolds.ts';
import type { PoolOptions } from '../../../analysis/pooling.ts';
import type { RidgeModel } from '../../../analysis/ridge.ts';
import { sweepGrid, type SweepEntry, type SweepGrid } from '../../../analysis/sweep.ts';
import type { Store } from '../../../data/store.ts';
import type { ModelInfo } from '../../../engine/protocol.ts';
import type { EmbedFn } from '../../../pipeline/batchRun.ts';
import {
  extractFeatures,
  sweepPlan,
  type ExtractProgress,
  type SweepCellId,
} from '../../../pipeline/fitRun.ts';
import type { PooledVectors } from '../../../pipeline/scoring.ts';
import { cellOf, sweepConfirmInspect } from '../../../pipeline/sweepConfirmInspect.ts';
import {
  cellKey,
  SweepSession,
  type ExactCv,
  type Inspection,
} from '../../../pipeline/sweepSession.ts';
import { webSweepWorkers } from '../../workers/webSweepWorkers.ts';

/** A finished sweep and what the view shows beside it. */
export interface Swept {
  /** Which run of the sweep this is: the learned poolings start afresh with each. */
  run: number;
  entries: SweepEntry[];
  grid: SweepGrid;
  /** The rows' texts and targets, in the order the features were extracted. */
  texts: readonly string[];
  y: Float64Array;
  /**
   * Every text's cached pooled vectors (`[count, layers, hidden]` per pooling), on shared memory
   * where the page is cross-origin isolated; elsewhere the sweep's worker took them (detached).
   */
  table: PooledVectors;
  info: ModelInfo;
  poolOptions: PoolOptions;
  fileName: string;
  /** Texts whose features came from the cache rather than the model. */
  cached: number;
  /** Texts whose features the store refused to keep (see `unsavedNote`). */
  unsaved: number;
  /** The quick sweep's sketch size, or null for an exact sweep. */
  sketch: number | null;
  /** While the best estimates are being cross-validated exactly: how far that has got. */
  confirming: { done: number; total: number } | null;
}

export type FitState =
  | { phase: 'idle' }
  | { phase: 'extracting'; progress: ExtractProgress | null; isStopping: boolean }
  | { phase: 'sweeping'; done: number; total: number }
  | { phase: 'swept'; swept: Swept }
  | { phase: 'cancelled' }
  | { phase: 'error'; message: string };

/** The cell selected in the grid, fitted exactly. */
export type Inspected =
  | { cell: SweepCellId; phase: 'loading' }
  | {
      cell: SweepCellId;
      phase: 'ready';
      /** The cell's exact CV (the sweep's figure may come from a sketch). */
      cv: RidgeCVResult;
      outOfFold: Float64Array;
      model: RidgeModel;
    }
  | { cell: SweepCellId; phase: 'error'; message: string };

/** What a fit starts from: the labelled rows, the model, and the sweep's mode. */
export interface FitRequest {
  texts: readonly string[];
  y: Float64Array;
  info: ModelInfo;
  fileName: string;
  /** The quick sweep's sketch size, or null for an exact sweep. */
  sketch: number | null;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

type CellLike = { strategy: string; layer: number };
/** Whether two cells are the same one of the grid. */
export const sameCell = (a: CellLike | null, b: CellLike | null) =>
  !!a && !!b && a.strategy === b.strategy && a.layer === b.layer;

/**
 * The Fit view's run on its sweep workers: features extracted (or read from the store), then
 * `sweepConfirmInspect` (the sequence `readscope fit` runs too) with its progress as state, and
 * any cell selected later fitted exactly. The workers live as long as the view, and are ended
 * when it goes or a run is cancelled.
 */
export function useFitSweep(embed: EmbedFn, db: Store | null) {
  const [state, setState] = useState<FitState>({ phase: 'idle' });
  const [inspected, setInspected] = useState<Inspected | null>(null);
  const runs = useRef(0);
  const controller = useRef<AbortController | null>(null);
  const session = useRef<SweepSession | null>(null);
  /** Exact CVs already run for cells of the current sweep, so selecting one only fits it. */
  const exactCvs = useRef(new Map<string, ExactCv>());

  useEffect(
    () => () => {
      controller.current?.abort();
      session.current?.reset();
    },
    [],
  );

  const actions = useMemo(() => {
    /** Shows `cell` as being fitted, then its fit, unless another cell was selected meanwhile. */
    const watch = (cell: SweepCellId, inspection: Promise<Inspection>) => {
      setInspected({ cell, phase: 'loading' });
      inspection
        .then(({ cv, outOfFold, model }) =>
          setInspected((cur) =>
            sameCell(cur?.cell ?? null, cell)
              ? { cell, phase: 'ready', cv, outOfFold: outOfFold!, model }
              : cur,
          ),
        )
        .catch((e: unknown) =>
          setInspected((cur) =>
            sameCell(cur?.cell ?? null, cell) ? { cell, phase: 'error', message: message(e) } : cur,
          ),
        );
    };

    /** Fits a cell of the sweep exactly: its CV, out-of-fold predictions and model. */
    const inspect = (swept: Swept, cell: SweepCellId) => {
      const entry = swept.entries.find((e) => sameCell(e, cell));
      const client = session.current;
      if (!entry || !client) return;
      watch(cell, client.inspect(cell, entry, exactCvs.current.get(cellKey(cell))));
    };

    /** Extracts the features, sweeps, confirms each strategy's best estimate, fits the best. */
    const fit = async ({ texts, y, info, fileName, sketch }: FitRequest) => {
      controller.current?.abort();
      const c = new AbortController();
      controller.current = c;
      exactCvs.current = new Map();
      setInspected(null);
      setState({ phase: 'extracting', progress: null, isStopping: false });
      let cached = 0;
      let unsaved = 0;
      try {
        const table = await extractFeatures({
          texts,
          info,
          db,
          embed,
          signal: c.signal,
          onProgress: (progress) => {
            cached = progress.cached;
            unsaved = progress.unsaved;
            setState((s) => (s.phase === 'extracting' ? { ...s, progress } : s));
          },
        });
        if (!table) return setState({ phase: 'cancelled' });
        const { cells, poolOptions } = sweepPlan(info.layers);
        setState({ phase: 'sweeping', done: 0, total: cells.length });
        session.current ??= new SweepSession(webSweepWorkers());
        let swept: Swept | null = null;
        const show = (entries: readonly SweepEntry[], confirming: Swept['confirming']) => ({
          ...swept!,
          entries: [...entries],
          grid: sweepGrid(entries, info.layers),
          confirming,
        });
        const outcome = await sweepConfirmInspect(
          session.current,
          {
            table,
            y,
            cells,
            poolOptions,
            folds: Math.min(DEFAULT_FOLDS, texts.length),
            seed: DEFAULT_SEED,
            sketch: sketch ?? undefined,
            signal: c.signal,
          },
          {
            onEntry: (_entry, done, total) => setState({ phase: 'sweeping', done, total }),
            onSwept: (entries) => {
              swept = {
                run: ++runs.current,
                entries: [...entries],
                grid: sweepGrid(entries, info.layers),
                texts,
                y,
                table,
                info,
                poolOptions,
                fileName,
                cached,
                unsaved,
                sketch,
                confirming: null,
              };
              setState({ phase: 'swept', swept });
            },
            onConfirm: (entries, done, total) => {
              if (!c.signal.aborted && done < total)
                setState({ phase: 'swept', swept: show(entries, { done, total }) });
            },
          },
        );
        if (!outcome) return;
        exactCvs.current = outcome.exact;
        setState({ phase: 'swept', swept: show(outcome.entries, null) });
        if (outcome.chosen && outcome.inspection) watch(cellOf(outcome.chosen), outcome.inspection);
      } catch (e) {
        // A reset (another file) leaves the view idle; a cancel leaves it cancelled.
        if (c.signal.aborted)
          return setState((s) => (s.phase === 'idle' ? s : { phase: 'cancelled' }));
        setState({ phase: 'error', message: message(e) });
      }
    };

    /** Stops the run: extraction within one engine batch, the sweep at once (its workers end). */
    const cancel = () => {
      controller.current?.abort();
      session.current?.reset();
      setState((s) => (s.phase === 'extracting' ? { ...s, isStopping: true } : s));
    };

    /** Forgets the run (another file): the view goes back to idle. */
    const reset = () => {
      controller.current?.abort();
      session.current?.reset();
      setState({ phase: 'idle' });
      setInspected(null);
    };

    return { fit, inspect, cancel, reset };
  }, [embed, db]);

  return { state, inspected, getSession: () => session.current, actions };
}
