import { useEffect, useState } from 'react';
import type { LabelledRow } from '../../../data/csv.ts';
import {
  CLEAR_CORPUS,
  corpusLabel,
  estimateCost,
  measureRate,
  stratifiedSubset,
  subsetCount,
  trainedOnCorpus,
  WARMUP_TEXTS,
  type SubsetSize,
} from '../../../pipeline/clearCorpus.ts';
import { sweepPlan } from '../../../pipeline/fitRun.ts';
import { useClearCorpus } from '../../hooks/useClearCorpus.ts';
import type { useEngine } from '../../hooks/useEngine.ts';
import { ClearNotice } from '../ClearNotice.tsx';
import { SubsetChooser } from '../SubsetChooser.tsx';

/** A subset of the corpus chosen for the Fit view, named as its heads will be. */
export interface ChosenCorpus {
  name: string;
  rows: LabelledRow[];
  trainedOn: string;
}

interface Props {
  engine: ReturnType<typeof useEngine>;
  chosen: ChosenCorpus | null;
  onChoose: (corpus: ChosenCorpus) => void;
  disabled: boolean;
}

/** A measured rate (seconds per text), or why it could not be measured. */
type Rate = { secondsPerText: number } | { error: string };

/** Cores the sweep runs on in this tab (its worker pool: one per core, at most four). */
const sweepCores = () => Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency || 1, 4));

/**
 * "Use the CLEAR corpus" beside the upload: fetches the shipped corpus when asked, times a short
 * warm-up batch on the loaded model, and offers stratified subsets with what each will cost on
 * this model and backend and how precisely its CV RMSE will be known.
 */
export function ClearCorpusPanel({ engine, chosen, onChoose, disabled }: Props) {
  const corpus = useClearCorpus();
  const [size, setSize] = useState<SubsetSize | null>(500);
  const [rates, setRates] = useState<Record<string, Rate>>({});
  const info = engine.status === 'ready' ? engine.info : null;
  const { embedChunk } = engine.actions;
  const rows = corpus.state.phase === 'ready' ? corpus.state.rows : null;

  // A rate belongs to a model, backend and dtype: measured once the corpus and model are there.
  const rateKey = info && `${info.modelId}|${info.backend}|${info.dtype}`;
  const rate = rateKey ? rates[rateKey] : undefined;
  const isMeasuring = !!rows && !!rateKey && !rate;
  useEffect(() => {
    if (!isMeasuring || !rows || !rateKey) return;
    let live = true;
    const texts = stratifiedSubset(rows, WARMUP_TEXTS).map((r) => r.text);
    const keep = (r: Rate) => live && setRates((all) => ({ ...all, [rateKey]: r }));
    measureRate(embedChunk, texts).then(
      (secondsPerText) => keep({ secondsPerText }),
      (e: unknown) => keep({ error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [isMeasuring, rows, rateKey, embedChunk]);

  const costOf =
    rate && 'secondsPerText' in rate && info
      ? (n: number) =>
          estimateCost({
            rows: n,
            secondsPerText: rate.secondsPerText,
            hidden: info.hidden,
            cells: sweepPlan(info.layers).cells.length,
            cores: sweepCores(),
          })
      : undefined;

  const choose = () => {
    if (!rows || size === null) return;
    const subset = stratifiedSubset(rows, subsetCount(size, rows.length));
    onChoose({
      name: corpusLabel(subset.length, rows.length),
      rows: subset,
      trainedOn: trainedOnCorpus(subset.length, rows.length),
    });
  };

  return (
    <section className="clear-corpus" aria-label={`Use the ${CLEAR_CORPUS.name}`}>
      <h3>No file of your own? Use the {CLEAR_CORPUS.name}</h3>
      <p>
        {CLEAR_CORPUS.excerpts.toLocaleString('en')} excerpts rated for readability on the CommonLit
        scale ship with readscope ({(CLEAR_CORPUS.bytes / 1e6).toFixed(1)} MB, downloaded only when
        you ask).
      </p>
      {corpus.state.phase === 'idle' && (
        <button type="button" onClick={() => void corpus.load()} disabled={disabled}>
          Use the {CLEAR_CORPUS.name}
        </button>
      )}
      {corpus.state.phase === 'loading' && (
        <p role="status">
          Downloading the corpus: {(corpus.state.bytes / 1e6).toFixed(1)}
          {corpus.state.total ? ` of ${(corpus.state.total / 1e6).toFixed(1)}` : ''} MB…
        </p>
      )}
      {corpus.state.phase === 'error' && (
        <div className="error" role="alert">
          <p>{corpus.state.message}</p>
          <button type="button" onClick={() => void corpus.load()}>
            Try again
          </button>
        </div>
      )}
      {rows && (
        <>
          {!info && (
            <p className="warning" role="note">
              Load the encoder to see what each size will cost on it.
            </p>
          )}
          {isMeasuring && (
            <p role="status">Timing a warm-up batch of {WARMUP_TEXTS} excerpts on the model…</p>
          )}
          {rate && 'secondsPerText' in rate && info && (
            <p data-testid="clear-rate">
              Measured on {info.modelId} ({info.backend}, {info.dtype}):{' '}
              {(1 / rate.secondsPerText).toPrecision(2)} excerpts/s. Excerpts already in this
              browser&rsquo;s feature cache cost next to nothing.
            </p>
          )}
          {rate && 'error' in rate && (
            <p className="warning" role="note">
              The warm-up batch failed ({rate.error}); sizes are offered without a cost.
            </p>
          )}
          <SubsetChooser
            available={rows.length}
            value={size}
            onChange={setSize}
            costOf={costOf}
            disabled={disabled}
          />
          <p>
            <button type="button" onClick={choose} disabled={disabled || size === null}>
              Use {size === null ? '' : subsetCount(size, rows.length).toLocaleString('en') + ' '}
              excerpts
            </button>
            {chosen && (
              <span role="status" data-testid="clear-chosen">
                {' '}
                Chosen: {chosen.name}.
              </span>
            )}
          </p>
        </>
      )}
      <ClearNotice use="Excerpts and targets" />
    </section>
  );
}
