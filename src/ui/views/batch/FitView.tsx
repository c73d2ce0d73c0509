import { useMemo, useState } from 'react';
import { DEFAULT_FOLDS } from '../../../analysis/crossValidate.ts';
import { createHead, type Head } from '../../../analysis/head.ts';
import { meanPredictorRmse, rmse } from '../../../analysis/oof.ts';
import { STRATEGIES } from '../../../analysis/pooling.ts';
import { estimatesOnly, sweepGrid, QUICK_SWEEP_SKETCH } from '../../../analysis/sweep.ts';
import { goodRows, rowProblems } from '../../../data/csv.ts';
import { clearFeatures } from '../../../data/store.ts';
import { loadedModel } from '../../../pipeline/scoring.ts';
import type { useEngine } from '../../hooks/useEngine.ts';
import { useHeads } from '../../hooks/useHeads.ts';
import { ClearCorpusPanel, type ChosenCorpus } from './ClearCorpusPanel.tsx';
import { CorpusByLayer } from './CorpusByLayer.tsx';
import { CsvPicker } from './CsvPicker.tsx';
import { HeadList } from './HeadList.tsx';
import { unsavedNote } from './unsavedNote.ts';
import { LearnedPoolings } from './LearnedPoolings.tsx';
import { PredictedVsTarget } from './PredictedVsTarget.tsx';
import { RmseByLayer } from './RmseByLayer.tsx';
import { RowProblems } from './RowProblems.tsx';
import { RunProgress } from './RunProgress.tsx';
import { SweepHeatmap } from './SweepHeatmap.tsx';
import { useCsvFile } from './useCsvFile.ts';
import { sameCell, useFitSweep } from './useFitSweep.ts';
import { useStore } from './useStore.ts';
import './batch.css';

interface Props {
  engine: ReturnType<typeof useEngine>;
}

/** Fewest labelled rows a 5-fold CV makes sense on. */
const MIN_ROWS = 10;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Fit heads from a labelled train.csv: cached features, the strategy × layer sweep, its charts. */
export function FitView({ engine }: Props) {
  const { info } = engine;
  const { embedChunk } = engine.actions;
  const { db } = useStore();
  const heads = useHeads();
  const csv = useCsvFile('train');
  const [corpus, setCorpus] = useState<ChosenCorpus | null>(null);
  const sweep = useFitSweep(embedChunk, db);
  const { state, inspected } = sweep;
  const [isSkipping, setSkipping] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [cacheNote, setCacheNote] = useState<string | null>(null);
  const [isExact, setExact] = useState(false);
  const [sketchSize, setSketchSize] = useState(QUICK_SWEEP_SKETCH);
  const [isLearnedBusy, setLearnedBusy] = useState(false);

  const file = csv.state.phase === 'ready' ? csv.state.file : null;
  const fileName = corpus?.name ?? (csv.state.phase === 'ready' ? csv.state.name : '');
  const rows = useMemo(() => corpus?.rows ?? (file ? goodRows(file.parsed) : []), [file, corpus]);
  const problems = useMemo(() => (file ? rowProblems(file.parsed) : []), [file]);
  const isDecided = !!corpus || problems.length === 0 || isSkipping;
  const isBusy =
    state.phase === 'extracting' ||
    state.phase === 'sweeping' ||
    (state.phase === 'swept' && (!!state.swept.confirming || isLearnedBusy));
  const isReady = engine.status === 'ready' && !!info;
  const isSketchValid = isExact || (Number.isInteger(sketchSize) && sketchSize >= 1);
  const canFit =
    (!!file || !!corpus) &&
    isDecided &&
    isReady &&
    !isBusy &&
    rows.length >= MIN_ROWS &&
    isSketchValid;

  const reset = () => {
    sweep.actions.reset();
    setSkipping(false);
    setNote(null);
  };

  const fit = () => {
    if (!info) return;
    setNote(null);
    setCacheNote(null);
    void sweep.actions.fit({
      texts: rows.map((r) => r.text),
      y: Float64Array.from(rows, (r) => r.target),
      info,
      fileName,
      sketch: isExact ? null : sketchSize,
    });
  };

  /** Frees the store's cached features (and Conv1D's tokens); saved heads and batches stay. */
  const clearCache = async () => {
    if (!db) return;
    try {
      await clearFeatures(db);
      setCacheNote('Cached features cleared: the next sweep runs the model over every text again.');
    } catch (e) {
      setCacheNote(`The cached features could not be cleared: ${message(e)}`);
    }
  };

  const swept = state.phase === 'swept' ? state.swept : null;
  const meanRmse = swept ? meanPredictorRmse(swept.y) : 0;
  const selectedEntry =
    swept && inspected ? swept.entries.find((e) => sameCell(e, inspected.cell)) : null;
  const estimated = swept
    ? swept.entries.filter((e) => e.sketch || e.estimate !== undefined).length
    : 0;
  const confirmed = swept ? swept.entries.filter((e) => e.estimate !== undefined).length : 0;
  // The lines stay on the quick sweep's estimates (null: the sweep was exact, the grid will do).
  const linesGrid = useMemo(
    () =>
      swept && estimated > 0 ? sweepGrid(estimatesOnly(swept.entries), swept.info.layers) : null,
    [swept, estimated],
  );

  const save = async (head: Head, name: string) => {
    const id = await heads.actions.add(head, name);
    heads.actions.activate(id);
    setNote(`Saved “${name}” and made it the active head. The Batch view now scores with it.`);
  };

  const makeActive = async () => {
    if (!swept || !selectedEntry || inspected?.phase !== 'ready') return;
    const { strategy, layer } = inspected.cell;
    const head = createHead({
      model: loadedModel(swept.info),
      strategy,
      layer,
      poolOptions: swept.poolOptions,
      ridge: inspected.model,
      cv: inspected.cv,
      rows: swept.y.length,
      // The corpus chosen is the one swept: choosing another resets the sweep.
      trainedOn: corpus?.trainedOn,
    });
    await save(head, `${STRATEGIES[strategy].label} L${layer} · ${swept.fileName}`);
  };

  return (
    <div className="fit-view">
      <h2>Fit heads from a labelled file</h2>
      <p>
        Upload a CommonLit <code>train.csv</code> (<code>id,…,excerpt,target,standard_error</code>).
        Every layer’s CLS, mean, max and WK vectors are extracted once per text and cached in this
        browser; then a ridge head is cross-validated ({DEFAULT_FOLDS}-fold) for every pooling
        strategy at every layer, in a background thread. Select a cell to fit it exactly and save it
        as a head. The learned poolings (layer weights, attention, LSTM, GRU, and Conv1D over the
        last layer's tokens) can then be cross-validated on the same folds.
      </p>
      {engine.status !== 'ready' && (
        <p className="warning" role="note">
          Fitting needs the encoder: load a model above (status: {engine.status}).
        </p>
      )}
      <CsvPicker
        label="Labelled texts (CSV with a target column)"
        hint="Needs id, excerpt (or text) and target columns; standard_error is optional."
        state={csv.state}
        onPick={(f) => {
          reset();
          setCorpus(null);
          csv.pick(f);
        }}
        onClear={() => {
          reset();
          csv.clear();
        }}
        disabled={isBusy}
      />
      <ClearCorpusPanel
        engine={engine}
        chosen={corpus}
        disabled={isBusy}
        onChoose={(c) => {
          reset();
          csv.clear();
          setCorpus(c);
        }}
      />
      {file && (
        <RowProblems
          problems={problems}
          totalRows={file.parsed.results.length}
          purpose="fit"
          isSkipping={isSkipping}
          onSkip={() => setSkipping(true)}
          onStop={() => {
            reset();
            csv.clear();
          }}
        />
      )}
      <fieldset className="sweep-mode" disabled={isBusy}>
        <legend>Sweep</legend>
        <label>
          <input
            type="radio"
            name="sweep-mode"
            checked={!isExact}
            onChange={() => setExact(false)}
          />{' '}
          Quick: cells with more than{' '}
          <input
            type="number"
            min={1}
            step={1}
            value={sketchSize}
            aria-label="Sketch size (columns)"
            onChange={(e) => setSketchSize(e.target.valueAsNumber)}
            disabled={isExact}
          />{' '}
          features are cross-validated on a sketch of that many columns (for a base-size model on
          3,000 rows, about 20 s on two cores). Its figures are estimates, so each strategy's best
          layer is then cross-validated exactly (about 5 s more), and the cell you select is fitted
          exactly.
        </label>
        <label>
          <input type="radio" name="sweep-mode" checked={isExact} onChange={() => setExact(true)} />{' '}
          Exact: every cell on all its features. For the same model and rows, just under a minute
          (50–60 s, by how the features are spread).
        </label>
        {!isSketchValid && (
          <p className="warning" role="note">
            The sketch size must be a whole number of columns, 1 or more.
          </p>
        )}
      </fieldset>
      {(file || corpus) && isDecided && (
        <p>
          {rows.length < MIN_ROWS && (
            <span className="warning" role="note">
              Only {rows.length} usable rows; cross-validation needs at least {MIN_ROWS}.{' '}
            </span>
          )}
          <button type="button" onClick={fit} disabled={!canFit}>
            Extract features and sweep {rows.length} rows
          </button>{' '}
          <button type="button" onClick={() => void clearCache()} disabled={!db || isBusy}>
            Clear cached features
          </button>
        </p>
      )}
      {cacheNote && <p role="status">{cacheNote}</p>}
      {state.phase === 'extracting' && (
        <RunProgress
          label="Feature extraction"
          done={state.progress?.done ?? 0}
          total={rows.length}
          detail={state.progress ? `${state.progress.cached} from the cache` : undefined}
          rowsPerSecond={state.progress?.rowsPerSecond}
          secondsLeft={state.progress?.secondsLeft}
          isStopping={state.isStopping}
          onCancel={sweep.actions.cancel}
        />
      )}
      {state.phase === 'sweeping' && (
        <div className="run-progress">
          <progress max={state.total} value={state.done} aria-label="Sweep progress" />
          <span role="status">
            Cross-validating cell {state.done} of {state.total}
          </span>{' '}
          <button type="button" onClick={sweep.actions.cancel}>
            Cancel
          </button>
        </div>
      )}
      {state.phase === 'cancelled' && (
        <p role="status">Cancelled. Features extracted so far stay cached; run again to go on.</p>
      )}
      {state.phase === 'error' && (
        <div className="error" role="alert">
          <p>The fit stopped: {state.message}</p>
        </div>
      )}
      {swept && (
        <section aria-label="Sweep results" data-testid="sweep-results">
          <p>
            {swept.entries.length} heads cross-validated on {swept.y.length} rows of{' '}
            {swept.fileName} with {swept.info.modelId} (features of {swept.cached} texts read from
            the cache, {swept.y.length - swept.cached} computed). Always predicting the mean target
            scores an RMSE of <span className="mono">{meanRmse.toFixed(3)}</span>
            {swept.grid.best &&
              `; the best head, ${STRATEGIES[swept.grid.best.strategy].label} at layer ${swept.grid.best.layer}, scores ${swept.grid.best.result.rmse.toFixed(3)}`}
            .
          </p>
          {swept.unsaved > 0 && (
            <p className="warning" role="note">
              {unsavedNote(swept.unsaved, 'features')}
            </p>
          )}
          {estimated > 0 && (
            <p className="hint" data-testid="quick-sweep-note">
              Quick sweep: {estimated} of the {swept.entries.length} cells have more than{' '}
              {swept.sketch} features, so their ridge heads were cross-validated on a {swept.sketch}
              -column randomized Hadamard sketch of them. These figures are estimates for comparing
              cells (underlined in the grid). They read high: by a few per cent for a base-size
              model's 768-feature cells, and by more for wider ones, since a concatenation of four
              layers (3,072 features) loses most in the sketch.{' '}
              {confirmed > 0 &&
                `Each strategy's best layer (${confirmed} cells) was then cross-validated exactly on all its features (no longer underlined), so strategies are compared, and the best cell picked, on exact figures. `}
              The cell you select is fitted exactly, and that exact fit is what gets saved.
            </p>
          )}
          {swept.confirming && (
            <p role="status" data-testid="confirming">
              Cross-validating each strategy&rsquo;s best layer exactly: {swept.confirming.done} of{' '}
              {swept.confirming.total} done…
            </p>
          )}
          <SweepHeatmap
            grid={swept.grid}
            selected={inspected?.cell ?? null}
            onSelect={(cell) => {
              setNote(null);
              sweep.actions.inspect(swept, cell);
            }}
          />
          <div className="fit-charts">
            <RmseByLayer
              grid={linesGrid ?? swept.grid}
              meanRmse={meanRmse}
              isEstimate={estimated > 0}
            />
            {inspected?.phase === 'ready' && (
              <PredictedVsTarget
                targets={swept.y}
                predictions={inspected.outOfFold}
                meanRmse={meanRmse}
                rmse={rmse(inspected.outOfFold, swept.y)}
                title={`${STRATEGIES[inspected.cell.strategy].label}, layer ${inspected.cell.layer}`}
              />
            )}
            {inspected?.phase === 'loading' && (
              <p role="status">
                Fitting the selected cell exactly: CV and out-of-fold predictions…
              </p>
            )}
            {inspected?.phase === 'error' && (
              <p className="error" role="alert">
                {inspected.message}
              </p>
            )}
          </div>
          {selectedEntry && inspected?.phase === 'ready' && (
            <p data-testid="selected-head">
              Selected: {STRATEGIES[inspected.cell.strategy].label}, layer {inspected.cell.layer}, α
              = {inspected.cv.alpha}, CV RMSE {inspected.cv.rmse.toFixed(3)} ±{' '}
              {inspected.cv.rmseStd.toFixed(3)}
              {(selectedEntry.sketch || selectedEntry.estimate !== undefined) &&
                ` (fitted exactly on all ${selectedEntry.dim} features; the quick sweep estimated ${(selectedEntry.estimate ?? selectedEntry.result.rmse).toFixed(3)})`}
              .{' '}
              <button type="button" onClick={() => void makeActive()}>
                Save and make this head active
              </button>
            </p>
          )}
          {inspected && <CorpusByLayer swept={swept} inspected={inspected} />}
          <LearnedPoolings
            key={swept.run}
            getSession={sweep.getSession}
            y={swept.y}
            info={swept.info}
            poolOptions={swept.poolOptions}
            fileName={swept.fileName}
            texts={swept.texts}
            db={db}
            embed={embedChunk}
            folds={Math.min(DEFAULT_FOLDS, swept.y.length)}
            entries={swept.entries}
            isBlocked={!!swept.confirming || inspected?.phase === 'loading'}
            onBusy={setLearnedBusy}
            onSave={save}
          />
          {note && <p role="status">{note}</p>}
        </section>
      )}
      <HeadList info={info} />
    </div>
  );
}
