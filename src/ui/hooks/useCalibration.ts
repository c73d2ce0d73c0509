import { useCallback, useEffect, useRef, useState } from 'react';
import { headFits } from '../../analysis/head.ts';
import type { ModelInfo } from '../../engine/protocol.ts';
import { calibrate, type CalibrationStep } from '../../pipeline/calibrate.ts';
import {
  CLEAR_CORPUS,
  corpusLabel,
  stratifiedSubset,
  subsetCount,
  trainedOnCorpus,
  type SubsetSize,
} from '../../pipeline/clearCorpus.ts';
import { loadedModel } from '../../pipeline/scoring.ts';
import { useStore } from '../views/batch/useStore.ts';
import { SweepSession } from '../../pipeline/sweepSession.ts';
import { webSweepWorkers } from '../workers/webSweepWorkers.ts';
import { useClearCorpus } from './useClearCorpus.ts';
import type { useEngine } from './useEngine.ts';
import { useHeads, type HeadsState } from './useHeads.ts';

/** Where the Read view's one-click calibration stands. */
export type CalibrationState =
  | { phase: 'idle' }
  | { phase: 'fetching'; bytes: number; total: number | null }
  | { phase: 'running'; rows: number; step: CalibrationStep | null; isStopping: boolean }
  | { phase: 'done'; name: string; rows: number }
  | { phase: 'cancelled' }
  | { phase: 'error'; message: string };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** True for a head the CLEAR calibration saved (its `trainedOn` names the corpus). */
export const isCalibrated = (h: { head: { trainedOn?: string } }) =>
  h.head.trainedOn?.startsWith(CLEAR_CORPUS.name) ?? false;

/**
 * The Read view's "Calibrate this model": fetch the CLEAR corpus, take a stratified subset,
 * extract its features (cached per text, so a cancelled run resumes), sweep, confirm, and save
 * the best cell as a head named after the corpus, made active. The sweep runs in the tab's sweep
 * workers, started for the run and ended after it.
 */
export function useCalibration(engine: ReturnType<typeof useEngine>) {
  const { embedChunk } = engine.actions;
  const info = engine.status === 'ready' ? engine.info : null;
  const { db } = useStore();
  const { actions } = useHeads();
  const corpus = useClearCorpus();
  const [state, setState] = useState<CalibrationState>({ phase: 'idle' });
  const controller = useRef<AbortController | null>(null);
  const sweeper = useRef<SweepSession | null>(null);

  useEffect(
    () => () => {
      controller.current?.abort();
      sweeper.current?.reset();
    },
    [],
  );

  const shown: CalibrationState =
    corpus.state.phase === 'loading' && state.phase === 'fetching'
      ? { phase: 'fetching', bytes: corpus.state.bytes, total: corpus.state.total }
      : corpus.state.phase === 'error' && state.phase === 'fetching'
        ? { phase: 'error', message: corpus.state.message }
        : state;

  const start = useCallback(
    async (size: SubsetSize) => {
      if (!info) return;
      controller.current?.abort();
      const c = new AbortController();
      controller.current = c;
      setState({ phase: 'fetching', bytes: 0, total: null });
      const all = corpus.state.phase === 'ready' ? corpus.state.rows : await corpus.load();
      if (!all || c.signal.aborted) return;
      const rows = stratifiedSubset(all, subsetCount(size, all.length));
      setState({ phase: 'running', rows: rows.length, step: null, isStopping: false });
      const client = new SweepSession(webSweepWorkers());
      sweeper.current = client;
      try {
        const result = await calibrate({
          rows,
          info,
          db,
          embed: embedChunk,
          sweeper: client,
          trainedOn: trainedOnCorpus(rows.length, all.length),
          signal: c.signal,
          onStep: (step) =>
            setState((s) => (s.phase === 'running' && !c.signal.aborted ? { ...s, step } : s)),
        });
        if (!result || c.signal.aborted) return setState({ phase: 'cancelled' });
        const name = corpusLabel(rows.length, all.length);
        const id = await actions.add(result.head, name);
        actions.activate(id);
        setState({ phase: 'done', name, rows: rows.length });
      } catch (e) {
        setState(
          c.signal.aborted ? { phase: 'cancelled' } : { phase: 'error', message: message(e) },
        );
      } finally {
        client.reset();
        if (sweeper.current === client) sweeper.current = null;
      }
    },
    [info, corpus, db, embedChunk, actions],
  );

  const cancel = useCallback(() => {
    controller.current?.abort();
    sweeper.current?.reset();
    setState((s) => (s.phase === 'running' ? { ...s, isStopping: true } : { phase: 'cancelled' }));
  }, []);

  return { state: shown, start, cancel };
}

/**
 * Keeps a calibrated head in use per model: when the loaded model (id and dtype) has one and the
 * active head does not fit it, the newest calibrated head that fits is made active. Heads live in
 * IndexedDB and the active one's id in localStorage, so this holds across reloads and model changes.
 */
export function useKeepCalibrated(
  info: ModelInfo | null,
  heads: HeadsState & { actions: { activate(id: string | null): void } },
) {
  const { activate } = heads.actions;
  const model = info && !info.isRegression ? loadedModel(info) : null;
  const modelKey = model && `${model.modelId}|${model.dtype}|${model.hidden}`;
  const activeFits = !!model && !!heads.active && headFits(heads.active.head, model).ok;
  const candidate =
    model && !activeFits
      ? heads.heads
          .filter((h) => isCalibrated(h) && headFits(h.head, model).ok)
          .reduce<(typeof heads.heads)[number] | null>(
            (best, h) => (!best || h.savedAt > best.savedAt ? h : best),
            null,
          )
      : null;
  const candidateId = candidate?.id ?? null;
  // Once per model: after that the user's own choice (another head, or none) stands.
  const handled = useRef<string | null>(null);
  useEffect(() => {
    if (!modelKey || handled.current === modelKey) return;
    if (activeFits) handled.current = modelKey;
    else if (candidateId) {
      handled.current = modelKey;
      activate(candidateId);
    }
  }, [modelKey, candidateId, activeFits, activate]);
}
