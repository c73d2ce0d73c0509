import { useEffect, useId, useState } from 'react';
import { compareTexts, type ScoredText } from '../../readability/compare.ts';
import { SupersededError } from '../workers/readabilityClient.ts';
import { PALETTE } from './palette.ts';
import { SETTLE_MS } from './read/ReadView.tsx';
import { useDebounced } from './read/useDebounced.ts';

type Side = 'A' | 'B';

/** Scores one side's text; a newer call for the same side may reject the older with SupersededError. */
export type CompareScorer = (text: string, side: Side) => Promise<ScoredText>;

/**
 * Props: starting texts, the scorer (see `useCompareScorer`) and what it is, said under the texts.
 * A score whose `standardError` is not finite has no stated error.
 */
export interface CompareTextsProps {
  initialA?: string;
  initialB?: string;
  score: CompareScorer;
  scoredBy?: string;
}

/**
 * The latest score of one side's text (null while there is none), and whether it is current. A
 * text is scored once typing settles, as the Read view does: an encoder scorer runs the model.
 */
function useSideScore(score: CompareScorer, text: string, side: Side) {
  const settled = useDebounced(text, SETTLE_MS);
  const [scored, setScored] = useState<{
    text: string;
    score: ScoredText;
    by: CompareScorer;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!settled.trim()) return;
    let live = true;
    score(settled, side)
      .then((s) => {
        if (!live) return;
        setScored({ text: settled, score: s, by: score });
        setError(null);
      })
      .catch((e: unknown) => {
        if (live && !(e instanceof SupersededError))
          setError(e instanceof Error ? e.message : String(e));
      });
    return () => {
      live = false;
    };
  }, [score, settled, side]);
  const isEmpty = !text.trim();
  return {
    score: isEmpty ? null : (scored?.score ?? null),
    // A score from another scorer (a model loaded since) is as stale as one of another text.
    isCurrent: isEmpty || (scored?.text === text && scored.by === score),
    error,
  };
}

const hasError = (s: ScoredText) => Number.isFinite(s.standardError);

const pct = (p: number) => `${Math.round(p * 100)}%`;

/** Two texts side by side with both scores and the Bradley–Terry probability that A reads easier. */
export function CompareTexts({ initialA = '', initialB = '', score, scoredBy }: CompareTextsProps) {
  const [a, setA] = useState(initialA);
  const [b, setB] = useState(initialB);
  const id = useId();
  const sideA = useSideScore(score, a, 'A');
  const sideB = useSideScore(score, b, 'B');
  const scoreA = sideA.score;
  const scoreB = sideB.score;
  // Without a stated error on both sides, P is σ(A − B) at the scores, with no interval.
  const hasBothErrors = !!scoreA && !!scoreB && hasError(scoreA) && hasError(scoreB);
  const result =
    scoreA && scoreB
      ? compareTexts(
          hasBothErrors ? scoreA : { ...scoreA, standardError: 0 },
          hasBothErrors ? scoreB : { ...scoreB, standardError: 0 },
        )
      : null;
  const isUpdating = !sideA.isCurrent || !sideB.isCurrent;
  const column = (
    name: Side,
    value: string,
    set: (v: string) => void,
    side: ReturnType<typeof useSideScore>,
  ) => (
    <div style={{ flex: 1 }}>
      <label htmlFor={`${id}-${name}`}>Text {name}</label>
      <textarea
        id={`${id}-${name}`}
        value={value}
        rows={8}
        style={{ width: '100%' }}
        onChange={(e) => set(e.target.value)}
      />
      <p aria-live="polite">
        Score {name}:{' '}
        {side.score
          ? `${side.score.target.toFixed(2)}${hasError(side.score) ? ` ± ${side.score.standardError.toFixed(2)}` : ''}`
          : value.trim()
            ? 'scoring…'
            : '—'}
        {side.score && !side.isCurrent && <span className="updating"> updating…</span>}
      </p>
      {side.error && (
        <p className="error" role="alert">
          Text {name} could not be scored: {side.error}
        </p>
      )}
    </div>
  );
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Compare two texts</h2>
      <div style={{ display: 'flex', gap: '1em' }}>
        {column('A', a, setA, sideA)}
        {column('B', b, setB, sideB)}
      </div>
      {result ? (
        <div aria-live="polite" aria-busy={isUpdating}>
          <p>
            <strong>P(A reads easier than B) = {pct(result.probability)}</strong>
            {hasBothErrors
              ? ` (95% interval ${pct(result.interval[0])}–${pct(result.interval[1])}).`
              : ' (no interval: the scorer states no error for its scores).'}
          </p>
          <svg
            role="img"
            aria-label={`Probability ${pct(result.probability)}, interval ${pct(result.interval[0])} to ${pct(result.interval[1])}`}
            viewBox="0 0 100 10"
            width="100%"
            height="24"
            preserveAspectRatio="none"
          >
            <rect x="0" y="4" width="100" height="2" fill={PALETTE.neutral} />
            <rect
              x={result.interval[0] * 100}
              y="1"
              width={(result.interval[1] - result.interval[0]) * 100}
              height="8"
              fill={PALETTE.band}
              opacity="0.6"
            />
            <rect
              x={result.probability * 100 - 0.4}
              y="0"
              width="0.8"
              height="10"
              fill={PALETTE.easier}
            />
          </svg>
          <p>
            {hasBothErrors
              ? `CommonLit's target is a Bradley–Terry easiness, so P = σ(score A − score B), averaged over the uncertainty of both scores (difference ${result.difference.toFixed(2)} ± ${result.differenceSe.toFixed(2)}).`
              : `CommonLit's target is a Bradley–Terry easiness, so P = σ(score A − score B) (difference ${result.difference.toFixed(2)}).`}
          </p>
        </div>
      ) : (
        <p>Enter both texts to compare them.</p>
      )}
      {scoredBy && <p className="hint">Scored by {scoredBy}.</p>}
    </section>
  );
}
