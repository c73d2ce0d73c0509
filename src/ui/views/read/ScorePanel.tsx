import { memo, type ReactNode } from 'react';
import { binOf, CLEAR_DISTRIBUTION, percentileOf } from '../../../readability/reference.ts';
import { HistogramChart } from '../../charts/HistogramChart.tsx';
import { describeTarget, LiteScore } from '../LiteScore.tsx';
import { PALETTE, RATER_BAND } from '../palette.ts';
import type { TextScores } from '../../workers/readabilityProtocol.ts';
import { ScaleBar } from './ScaleBar.tsx';

/** Where the encoder's score stands: each state is designed, none is blank. */
export type EncoderScore =
  | { kind: 'waiting'; loading: boolean }
  | { kind: 'error'; message: string }
  | { kind: 'computing' }
  | { kind: 'regression'; score: number; modelId: string; windows: number }
  | {
      kind: 'head';
      score: number;
      name: string;
      cvRmse: number;
      windows: number;
      /** What the head was fitted on, when it says (a calibration on the CLEAR corpus does). */
      trainedOn?: string;
    }
  | { kind: 'no-head'; reason: string | null };

/** A saved head as the picker lists it. */
export interface HeadChoice {
  id: string;
  label: string;
  fits: boolean;
}

export interface ScorePanelProps {
  /** The lite score and formulas from the readability worker; null until the first arrive. */
  lite: TextScores | null;
  liteError?: string | null;
  encoder: EncoderScore;
  heads: readonly HeadChoice[];
  activeId: string | null;
  onActivate: (id: string | null) => void;
  /** Shown while a newer text is being scored; the last score stays on screen. */
  updating: boolean;
  /** Offered when no head fits the loaded model: the one-click calibration. */
  calibrate?: ReactNode;
}

const LITE_COLOUR = '#E69F00';

function EncoderBody({ encoder, calibrate }: { encoder: EncoderScore; calibrate?: ReactNode }) {
  switch (encoder.kind) {
    case 'waiting':
      return (
        <p className="placeholder">
          {encoder.loading
            ? 'The encoder is loading; its score appears here once it is ready. The lite score beside it needs no download.'
            : 'No encoder loaded. Pick a model above; the lite score beside it needs none.'}
        </p>
      );
    case 'error':
      return (
        <p className="placeholder error" role="status">
          The encoder is not available ({encoder.message.replace(/\.$/, '')}). The lite score still
          works.
        </p>
      );
    case 'computing':
      return <p className="placeholder">Scoring with the encoder…</p>;
    case 'no-head':
      return (
        <div className="placeholder no-head" data-testid="no-head">
          <p>
            <strong>No readability head for this model yet.</strong> A plain encoder gives hidden
            states, not a score: calibrate it on the CLEAR corpus below, fit a ridge head on your
            train.csv in the Fit view (or import a head file), or load a fine-tuned regression
            export such as <code>/models/roberta-tiny-cls</code>.
          </p>
          {encoder.reason && <p className="warning">{encoder.reason}</p>}
          {calibrate}
        </div>
      );
    case 'regression':
    case 'head': {
      const source =
        encoder.kind === 'regression'
          ? `the fine-tuned regression output of ${encoder.modelId}. Raters differ by about ±${RATER_BAND}`
          : `head “${encoder.name}”. The band is its cross-validated error, CV RMSE ±${encoder.cvRmse.toFixed(2)}; raters differ by about ±${RATER_BAND}`;
      return (
        <>
          <p>
            <output aria-label="Encoder readability score" className="big-score">
              {encoder.score.toFixed(2)}
            </output>{' '}
            {describeTarget(encoder.score)}, from {source}.
          </p>
          {encoder.kind === 'head' && encoder.trainedOn && (
            <p className="note" data-testid="calibrated-on">
              Calibrated on the {encoder.trainedOn}.
            </p>
          )}
          {encoder.windows > 1 && (
            <p role="note" data-testid="windowed">
              This text is longer than the model reads at once: it was read in {encoder.windows}{' '}
              overlapping windows, and the score is their mean weighted by length.
            </p>
          )}
        </>
      );
    }
  }
}

/**
 * The score: the encoder's prediction (fine-tuned output or a fitted head) with the raters' band,
 * the lite score and classic formulas beside it, and where the text sits among CLEAR's excerpts.
 */
export const ScorePanel = memo(function ScorePanel(props: ScorePanelProps) {
  const { encoder, heads, activeId, onActivate, updating } = props;
  const lite = props.lite && props.lite.lite.wordCount > 0 ? props.lite.lite : null;
  const encoderScore =
    encoder.kind === 'regression' || encoder.kind === 'head' ? encoder.score : null;
  const shown = encoderScore ?? lite?.target ?? null;
  const dist = CLEAR_DISTRIBUTION;
  const marks = [
    ...(lite ? [{ bin: binOf(lite.target), colour: LITE_COLOUR }] : []),
    ...(encoderScore !== null ? [{ bin: binOf(encoderScore), colour: PALETTE.easier }] : []),
  ];
  return (
    <section aria-labelledby="score-title" className="panel score-panel" aria-busy={updating}>
      <h2 id="score-title">Score {updating && <span className="updating">updating…</span>}</h2>
      <div className="score-grid">
        <div className="score-card">
          <h3>Encoder</h3>
          <EncoderBody encoder={encoder} calibrate={props.calibrate} />
          {encoder.kind === 'head' && (
            <ScaleBar
              target={encoder.score}
              lite={lite?.target}
              band={encoder.cvRmse}
              bandName="CV RMSE"
            />
          )}
          {encoder.kind === 'regression' && <ScaleBar target={encoder.score} lite={lite?.target} />}
          {heads.length > 0 && (
            <label className="inline-field">
              Active head
              <select value={activeId ?? ''} onChange={(e) => onActivate(e.target.value || null)}>
                <option value="">none</option>
                {heads.map((h) => (
                  <option key={h.id} value={h.id} disabled={!h.fits}>
                    {h.label}
                    {h.fits ? '' : ' (other model)'}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        <div className="score-card">
          <LiteScore scores={props.lite} error={props.liteError} />
        </div>
      </div>
      <h3>Among {dist.count.toLocaleString('en')} CLEAR excerpts</h3>
      {shown === null ? (
        <p className="placeholder">
          {props.lite
            ? 'Enter some text to place it among the reference excerpts.'
            : 'Computing the lite score…'}
        </p>
      ) : (
        <p data-testid="percentile">
          The {encoderScore !== null ? 'encoder' : 'lite'} score {shown.toFixed(2)} is easier than{' '}
          <strong>{percentileOf(shown).toFixed(0)}%</strong> of the corpus (mean{' '}
          {dist.mean.toFixed(2)}, sd {dist.sd.toFixed(2)}).
        </p>
      )}
      <HistogramChart
        label={`Histogram of the CLEAR corpus targets${shown === null ? '' : `, with this text at ${shown.toFixed(2)}`}`}
        datasetLabel="CLEAR excerpts"
        edges={dist.edges}
        counts={dist.counts}
        marks={marks}
        xTitle="CommonLit target (harder ← → easier)"
      />
      <p className="legend-note">
        <span className="swatch" style={{ background: PALETTE.easier }} /> encoder score ·{' '}
        <span className="swatch" style={{ background: LITE_COLOUR }} /> lite score. Reference: the
        CLEAR corpus (Crossley et al. 2023), CC BY-NC-SA 4.0.
      </p>
    </section>
  );
});
