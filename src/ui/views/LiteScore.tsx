import { CLEAR_CORPUS } from '../../pipeline/clearCorpus.ts';
import { MIN_WORDS } from '../../readability/limits.ts';
import type { TextScores } from '../workers/readabilityProtocol.ts';
import { RATER_BAND } from './palette.ts';
import { ScaleBar } from './read/ScaleBar.tsx';

/** Words for where a target falls, from CommonLit's range. */
export function describeTarget(target: number): string {
  if (target > 0.5) return 'very easy';
  if (target > -0.5) return 'easy';
  if (target > -1.5) return 'average';
  if (target > -2.5) return 'hard';
  return 'very hard';
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** Props: the scores from the readability worker (null until the first arrive) or why they failed. */
export interface LiteScoreProps {
  scores: TextScores | null;
  error?: string | null;
}

function Placeholder({ children }: { children: string }) {
  return (
    <section aria-labelledby="lite-score-title">
      <h2 id="lite-score-title">Readability without a model download</h2>
      <p className="placeholder" role="status">
        {children}
      </p>
    </section>
  );
}

/** The no-download score on the CommonLit scale, with the rater band and the classic formulas. */
export function LiteScore({ scores, error = null }: LiteScoreProps) {
  if (!scores) {
    return (
      <Placeholder>
        {error ? `The lite score could not be computed: ${error}` : 'Computing the lite score…'}
      </Placeholder>
    );
  }
  const { lite: prediction, formulas: table } = scores;
  const { target, wordCount } = prediction;
  if (wordCount === 0) return <Placeholder>Enter some text to score it.</Placeholder>;
  return (
    <section aria-labelledby="lite-score-title">
      <h2 id="lite-score-title">Readability without a model download</h2>
      <p>
        <output aria-label="Lite readability score" style={{ fontSize: '2em' }}>
          {fmt(target, 2)}
        </output>{' '}
        on the CommonLit scale ({describeTarget(target)}; −3.7 is hardest, +1.7 easiest). Raters
        themselves differ by about ±{RATER_BAND}; this model's cross-validated error is ±
        {fmt(prediction.cvRmse, 2)}.
      </p>
      <p className="licence-note" data-testid="lite-source">
        Fitted on the {CLEAR_CORPUS.name} ({CLEAR_CORPUS.short}, {CLEAR_CORPUS.licence}); word
        frequencies from SUBTLEX-US.
      </p>
      {wordCount < MIN_WORDS && (
        <p role="note">
          Only {wordCount} words: the model learnt from excerpts of 130–200 words, so treat this
          score as rough.
        </p>
      )}
      <ScaleBar target={target} />
      <table className="formula-table">
        <caption>Classic formulas</caption>
        <thead>
          <tr>
            <th scope="col">Formula</th>
            <th scope="col">Value</th>
            <th scope="col">Grade level</th>
            <th scope="col" className="meaning">
              What it measures
            </th>
          </tr>
        </thead>
        <tbody>
          {table.map((f) => (
            <tr key={f.id}>
              <th scope="row">{f.name}</th>
              <td>{fmt(f.value)}</td>
              <td>{f.gradeLabel}</td>
              <td className="meaning">{f.meaning}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
