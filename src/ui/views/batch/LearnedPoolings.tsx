import { useEffect, useRef, useState } from 'react';
import { createLearnedHead, type LearnedHead } from '../../../analysis/head.ts';
import { learnedLayerWeights, type FittedPooling } from '../../../analysis/learned.ts';
import {
  DEFAULT_LEARNED_CONFIG,
  FIT_LEARNED_CONFIG,
  learnedConfigFor,
} from '../../../analysis/learnedConfig.ts';
import { meanPredictorRmse, rmse } from '../../../analysis/oof.ts';
import {
  LAYERWISE_LEARNED_STRATEGIES,
  STRATEGIES,
  type LearnedStrategy,
  type PoolOptions,
} from '../../../analysis/pooling.ts';
import type { SweepEntry } from '../../../analysis/sweep.ts';
import type { Store } from '../../../data/store.ts';
import type { ModelInfo } from '../../../engine/protocol.ts';
import {
  extractTokenFeatures,
  type ExtractProgress,
  type ExtractTokenArgs,
  type TokenFeatures,
} from '../../../pipeline/fitRun.ts';
import { loadedModel } from '../../../pipeline/scoring.ts';
import type { LearnedCv, SweepSession } from '../../../pipeline/sweepSession.ts';
import { formatDuration } from './download.ts';
import { unsavedNote } from './unsavedNote.ts';
import { PredictedVsTarget } from './PredictedVsTarget.tsx';

interface Props {
  /** The session whose workers hold the sweep's feature table. */
  getSession: () => SweepSession | null;
  y: Float64Array;
  info: ModelInfo;
  poolOptions: PoolOptions;
  fileName: string;
  folds: number;
  /** The sweep's cells, for each learned pooling's parameter-free counterpart. */
  entries: readonly SweepEntry[];
  /** The sweep's texts, in row order: Conv1D runs the model over them again for their tokens. */
  texts: readonly string[];
  embed: ExtractTokenArgs['embed'];
  /** Where Conv1D's reduced tokens are cached between runs. */
  db: Store | null;
  /** Something else is running (the sweep or its confirmation): wait for it. */
  isBlocked: boolean;
  onBusy: (busy: boolean) => void;
  onSave: (head: LearnedHead, name: string) => Promise<void>;
}

type Run =
  | { phase: 'idle' }
  | ({ phase: 'tokens'; isStopping: boolean } & ExtractProgress)
  | { phase: 'running'; done: number; total: number; results: LearnedCv[]; isStopping: boolean }
  | { phase: 'done'; results: LearnedCv[]; isStopped: boolean }
  | { phase: 'error'; message: string; results: LearnedCv[] };

type Selected =
  | { strategy: LearnedStrategy; phase: 'fitting' }
  | { strategy: LearnedStrategy; phase: 'ready'; fitted: FittedPooling }
  | { strategy: LearnedStrategy; phase: 'error'; message: string };

/** Every learned pooling the view offers, in the order it lists them. */
const OFFERED: readonly LearnedStrategy[] = [...LAYERWISE_LEARNED_STRATEGIES, 'conv1d'];

/** The parameter-free strategy each learned pooling improves on, at the last layer. */
const COUNTERPART: Record<LearnedStrategy, 'weighted-uniform' | 'cls' | 'max'> = {
  'weighted-learned': 'weighted-uniform',
  attention: 'weighted-uniform',
  lstm: 'cls',
  gru: 'cls',
  conv1d: 'max', // both take a maximum over the last layer's tokens
};

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** What a run in progress is doing, in words. */
function progressText(run: Extract<Run, { phase: 'tokens' | 'running' }>): string {
  if (run.phase === 'tokens')
    return run.isStopping
      ? 'Stopping…'
      : `Reading tokens for Conv1D: ${run.done} of ${run.total} texts` +
          (run.cached ? ` (${run.cached} from the cache)` : '') +
          (run.rowsPerSecond != null ? ` · ${run.rowsPerSecond.toFixed(1)} texts/s` : '') +
          (run.secondsLeft != null ? ` · about ${formatDuration(run.secondsLeft)} left` : '');
  return run.isStopping
    ? 'Stopping after the folds in progress…'
    : `${run.done} of ${run.total} fold fits done`;
}

/**
 * Learned poolings (weighted layers, attention, LSTM, GRU over the layers' CLS vectors) fitted on
 * the sweep's cached features and folds, in its workers, and Conv1D on the last layer's tokens,
 * read again for it; a row is fitted on every row when selected and can be saved as a head.
 */
export function LearnedPoolings(props: Props) {
  const { getSession, y, info, poolOptions, entries, isBlocked, onBusy } = props;
  // Conv1D runs the model over every text again, so it waits to be asked for.
  const [chosen, setChosen] = useState<readonly LearnedStrategy[]>(LAYERWISE_LEARNED_STRATEGIES);
  const [run, setRun] = useState<Run>({ phase: 'idle' });
  const [selected, setSelected] = useState<Selected | null>(null);
  /** Conv1D's tokens once read; the sweep's workers hold the reduced tokens themselves. */
  const [tokens, setTokens] = useState<Omit<TokenFeatures, 'input'> | null>(null);
  const controller = useRef<AbortController | null>(null);
  const configFor = (s: LearnedStrategy) => learnedConfigFor(s, poolOptions);
  const { layerStart } = configFor('weighted-learned');
  const last = info.layers - 1;
  const isRunning =
    run.phase === 'running' || run.phase === 'tokens' || selected?.phase === 'fitting';

  useEffect(() => onBusy(isRunning), [isRunning, onBusy]);
  // Gone (a new sweep, another view): stop starting folds, and leave the parent idle.
  useEffect(
    () => () => {
      controller.current?.abort();
      onBusy(false);
    },
    [onBusy],
  );

  const start = async () => {
    const session = getSession();
    if (!session)
      return setRun({
        phase: 'error',
        message: 'the sweep’s workers are gone; run it again.',
        results: [],
      });
    const c = new AbortController();
    controller.current = c;
    setSelected(null);
    const results: LearnedCv[] = [];
    const total = chosen.length * props.folds;
    try {
      if (chosen.includes('conv1d') && !tokens) {
        setRun({
          phase: 'tokens',
          done: 0,
          total: props.texts.length,
          cached: 0,
          rowsPerSecond: null,
          secondsLeft: null,
          unsaved: 0,
          isStopping: false,
        });
        const read = await extractTokenFeatures({
          texts: props.texts,
          info,
          dim: DEFAULT_LEARNED_CONFIG.projection,
          db: props.db,
          embed: props.embed,
          signal: c.signal,
          onProgress: (progress) =>
            setRun((r) => (r.phase === 'tokens' ? { ...r, ...progress } : r)),
        });
        if (!read) return setRun({ phase: 'done', results: [], isStopped: true });
        await session.holdTokens(read.input);
        const { directions, cut, cached, unsaved } = read;
        setTokens({ directions, cut, cached, unsaved });
      }
      setRun({ phase: 'running', done: 0, total, results, isStopping: false });
      await session.learnedCv(
        chosen,
        configFor,
        (done, total, result) => {
          if (result) results.push(result);
          setRun((r) => (r.phase === 'running' ? { ...r, done, total, results: [...results] } : r));
        },
        c.signal,
      );
      setRun({ phase: 'done', results: [...results], isStopped: c.signal.aborted });
    } catch (e) {
      setRun({ phase: 'error', message: message(e), results: [...results] });
    }
  };

  const select = (strategy: LearnedStrategy) => {
    const session = getSession();
    if (!session) return;
    setSelected({ strategy, phase: 'fitting' });
    session
      .learnedFit(strategy, configFor(strategy))
      .then((fitted) =>
        setSelected((s) => (s?.strategy === strategy ? { strategy, phase: 'ready', fitted } : s)),
      )
      .catch((e: unknown) =>
        setSelected((s) =>
          s?.strategy === strategy ? { strategy, phase: 'error', message: message(e) } : s,
        ),
      );
  };

  const results = run.phase === 'idle' || run.phase === 'tokens' ? [] : run.results;
  const meanRmse = meanPredictorRmse(y);
  const counterpart = (strategy: LearnedStrategy) => {
    const other = COUNTERPART[strategy];
    const entry = entries.find((e) => e.strategy === other && e.layer === last);
    return entry && { label: STRATEGIES[other].label, entry };
  };
  const pickedCv = selected && results.find((r) => r.strategy === selected.strategy);

  const save = async () => {
    if (selected?.phase !== 'ready' || !pickedCv) return;
    const head = createLearnedHead({
      model: loadedModel(info),
      layers: info.layers,
      fitted: selected.fitted,
      ...(selected.strategy === 'conv1d' && tokens && { tokenProjection: tokens.directions }),
      cv: pickedCv.cv,
      rows: y.length,
    });
    await props.onSave(head, `${STRATEGIES[selected.strategy].label} · ${props.fileName}`);
  };

  return (
    <section aria-label="Learned poolings" data-testid="learned-poolings">
      <h3>Learned poolings</h3>
      <p className="hint">
        Fitted on the same cached features and the same folds as the grid: the CLS vector of each
        layer from {layerStart} to {last}, mixed by learned layer weights or by attention, or read
        in order by an LSTM or a GRU, each with its own linear head, trained together with Adam for
        at most {FIT_LEARNED_CONFIG.epochs} epochs, stopping once {FIT_LEARNED_CONFIG.patience} pass
        without improving on a tenth of the training rows held back. For a base-size model on 3,000
        rows, about 35 s on two cores.
      </p>
      <p className="hint">
        What to expect: ridge picks its regularisation by cross-validation, these stop early
        instead, so on a few thousand rows they usually trail the best ridge cell; the learned layer
        weights show which layers the model leaned on. The LSTM and GRU read each CLS vector reduced
        to its {DEFAULT_LEARNED_CONFIG.projection} leading principal directions (found on the
        training rows, targets unused), which keeps them small enough to train here.
      </p>
      <p className="hint">
        Conv1D slides {DEFAULT_LEARNED_CONFIG.channels} learned filters over pairs of neighbouring
        tokens of the last layer and keeps each filter’s largest response. The cached features hold
        no tokens, so choosing it runs the model over all {props.texts.length} texts once more (as
        long as extracting their features took the first time) and keeps each token reduced to its{' '}
        {DEFAULT_LEARNED_CONFIG.projection} leading principal directions, found on 32 texts spread
        over the file (targets unused), cached in this browser so the next run on the file reads
        them from there. A text longer than the model is read up to its length, as the Read view
        reads it. Cross-validating it then takes about 10 s for 3,000 texts on two cores.
      </p>
      <fieldset disabled={isRunning || isBlocked}>
        <legend>Poolings to fit</legend>
        {OFFERED.map((s) => (
          <label key={s} title={STRATEGIES[s].description}>
            <input
              type="checkbox"
              checked={chosen.includes(s)}
              onChange={(e) =>
                setChosen((c) =>
                  e.target.checked
                    ? OFFERED.filter((x) => x === s || c.includes(x))
                    : c.filter((x) => x !== s),
                )
              }
            />{' '}
            {STRATEGIES[s].label}
          </label>
        ))}
      </fieldset>
      <p>
        <button
          type="button"
          onClick={() => void start()}
          disabled={isRunning || isBlocked || chosen.length === 0}
        >
          Cross-validate {chosen.length} learned {chosen.length === 1 ? 'pooling' : 'poolings'}
        </button>
      </p>
      {(run.phase === 'tokens' || run.phase === 'running') && (
        <div className="run-progress">
          <progress
            max={run.total}
            value={run.done}
            aria-label={
              run.phase === 'tokens' ? 'Token extraction progress' : 'Learned pooling progress'
            }
          />
          <span role="status">{progressText(run)}</span>{' '}
          <button
            type="button"
            disabled={run.isStopping}
            onClick={() => {
              controller.current?.abort();
              setRun((r) =>
                r.phase === 'tokens' || r.phase === 'running' ? { ...r, isStopping: true } : r,
              );
            }}
          >
            Stop
          </button>
        </div>
      )}
      {tokens && (
        <p className="hint" data-testid="conv1d-tokens">
          Conv1D read the tokens of {props.texts.length} texts, {tokens.cached} of them from the
          cache.
          {tokens.cut > 0 &&
            ` ${tokens.cut} ${tokens.cut === 1 ? 'was' : 'were'} longer than the model and read up to its ${info.maxTokens} tokens.`}
        </p>
      )}
      {tokens && tokens.unsaved > 0 && (
        <p className="warning" role="note">
          {unsavedNote(tokens.unsaved, 'tokens')}
        </p>
      )}
      {run.phase === 'done' && run.isStopped && (
        <p role="status">
          Stopped: {run.results.length} of {chosen.length} poolings were cross-validated.
        </p>
      )}
      {run.phase === 'error' && (
        <p className="error" role="alert">
          Fitting the learned poolings stopped: {run.message}
        </p>
      )}
      {results.length > 0 && (
        <table data-testid="learned-results">
          <thead>
            <tr>
              <th scope="col">Pooling</th>
              <th scope="col">CV RMSE</th>
              <th scope="col">Parameter-free counterpart (ridge, layer {last})</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => {
              const other = counterpart(r.strategy);
              const isEstimate = !!other?.entry.sketch;
              return (
                <tr key={r.strategy} data-strategy={r.strategy}>
                  <th scope="row">{STRATEGIES[r.strategy].label}</th>
                  <td className="mono">
                    {r.cv.rmse.toFixed(3)} ± {r.cv.rmseStd.toFixed(3)}
                  </td>
                  <td>
                    {other
                      ? `${other.label}: ${isEstimate ? '≈ ' : ''}${other.entry.result.rmse.toFixed(3)}`
                      : '—'}
                  </td>
                  <td>
                    <button
                      type="button"
                      disabled={isRunning}
                      onClick={() => select(r.strategy)}
                      aria-label={`Fit ${STRATEGIES[r.strategy].label} on every row`}
                    >
                      Select
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {selected?.phase === 'fitting' && (
        <p role="status">Fitting {STRATEGIES[selected.strategy].label} on every row…</p>
      )}
      {selected?.phase === 'error' && (
        <p className="error" role="alert">
          {selected.message}
        </p>
      )}
      {selected?.phase === 'ready' && pickedCv && (
        <div className="fit-charts" data-testid="learned-selected">
          <PredictedVsTarget
            targets={y}
            predictions={pickedCv.outOfFold}
            meanRmse={meanRmse}
            rmse={rmse(pickedCv.outOfFold, y)}
            title={STRATEGIES[selected.strategy].label}
          />
          <div>
            {selected.strategy === 'weighted-learned' && (
              <p data-testid="learned-layer-weights">
                Learned layer weights:{' '}
                {Array.from(learnedLayerWeights(selected.fitted, info.layers), (w, i) => (
                  <span key={i} className="mono">
                    L{layerStart + i} {w.toFixed(3)}
                    {i < last - layerStart ? ', ' : ''}
                  </span>
                ))}
                {` (uniform would be ${(1 / (last - layerStart + 1)).toFixed(3)} each).`}
              </p>
            )}
            <p>
              Selected: {STRATEGIES[selected.strategy].label},{' '}
              {selected.strategy === 'conv1d'
                ? `tokens of layer ${last}`
                : `layers ${layerStart}–${last}`}
              , CV RMSE {pickedCv.cv.rmse.toFixed(3)} ± {pickedCv.cv.rmseStd.toFixed(3)}, fitted on
              all {y.length} rows.{' '}
              <button type="button" onClick={() => void save()}>
                Save and make this head active
              </button>
            </p>
          </div>
        </div>
      )}
    </section>
  );
}
