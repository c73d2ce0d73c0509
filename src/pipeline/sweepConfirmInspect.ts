/**
 * The fit's sequence on a pool of sweep workers, the one the Fit view (through `useFitSweep`) and
 * `readscope fit` both run: sweep every (strategy, layer) cell, quick (cells wider than the
 * sketch size estimated on a sketch) or exact; then cross-validate each strategy's best estimate
 * exactly, so strategies are compared, and the best cell picked, on exact figures; then fit the
 * chosen cell (the best, unless the caller chooses) exactly on every row.
 */
import type { SweepEntry } from '../analysis/sweep.ts';
import type { SweepCellId } from './fitRun.ts';
import { cellKey, type ExactCv, type Inspection, type SweepSession } from './sweepSession.ts';
import type { SweepBody } from './sweepWorkers.ts';

/** What to sweep, and how far to go. */
export type SweepRun = Omit<SweepBody<'sweep'>, 'type'> & {
  /** Cross-validate each strategy's best estimate exactly (default true). */
  confirm?: boolean;
  /** The cell to fit once the figures are final (default: the lowest CV RMSE); null fits none. */
  choose?: (entries: readonly SweepEntry[]) => SweepEntry | null;
  /** Whether the fit also brings the chosen cell's out-of-fold predictions (default true). */
  outOfFold?: boolean;
  /** Once aborted, the sequence stops after the stage under way and resolves with null. */
  signal?: AbortSignal;
};

/** What each stage reports as it goes. */
export interface SweepRunEvents {
  /** A cell cross-validated by the sweep. */
  onEntry?: (entry: SweepEntry, done: number, total: number) => void;
  /** The sweep's own entries, before any is confirmed. */
  onSwept?: (entries: readonly SweepEntry[]) => void;
  /** The entries at the start of the confirmation and as each cell is confirmed. */
  onConfirm?: (entries: readonly SweepEntry[], done: number, total: number) => void;
}

export interface SweepOutcome {
  /** Every cell's entry; a confirmed cell carries its exact CV, its estimate kept beside it. */
  entries: SweepEntry[];
  /** The exact CVs run for cells, by `cellKey`: fitting one of them later solves no fold again. */
  exact: Map<string, ExactCv>;
  /** The cell chosen to fit, or null. */
  chosen: SweepEntry | null;
  /** Its exact fit, under way: the caller awaits it (the Fit view shows the grid meanwhile). */
  inspection: Promise<Inspection> | null;
}

/** The entry with the lowest CV RMSE (the first of equals), as the grid picks its best. */
export const bestEntry = (entries: readonly SweepEntry[]): SweepEntry | null =>
  entries.reduce<SweepEntry | null>((b, e) => (!b || e.result.rmse < b.result.rmse ? e : b), null);

/** The grid coordinates of an entry. */
export const cellOf = (e: SweepEntry) => ({ strategy: e.strategy, layer: e.layer }) as SweepCellId;

/** Sweep → confirm → fit the chosen cell, on `session`'s workers; null once `run.signal` aborts. */
export async function sweepConfirmInspect(
  session: SweepSession,
  run: SweepRun,
  events: SweepRunEvents = {},
): Promise<SweepOutcome | null> {
  const { confirm = true, choose = bestEntry, outOfFold = true, signal, ...body } = run;
  const swept = await session.sweep({ type: 'sweep', ...body }, events.onEntry);
  if (signal?.aborted) return null;
  events.onSwept?.(swept);
  const { entries, exact } = confirm
    ? await session.confirmBest(swept, events.onConfirm)
    : { entries: swept, exact: new Map<string, ExactCv>() };
  if (signal?.aborted) return null;
  const chosen = choose(entries);
  const inspection =
    chosen && session.inspect(cellOf(chosen), chosen, exact.get(cellKey(chosen)), outOfFold);
  // Marked handled here; the caller still hears a failure when it awaits the fit.
  inspection?.catch(() => {});
  return { entries, exact, chosen, inspection };
}
