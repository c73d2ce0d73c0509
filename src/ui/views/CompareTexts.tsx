import { useId, useMemo, useState } from 'react';
import { compareTexts, type ScoredText } from '../../readability/compare.ts';
import { predictLite } from '../../readability/lite.ts';
import { PALETTE } from './palette.ts';

/** Props: starting texts and the scorer (the lite model unless an encoder head is given). */
export interface CompareTextsProps {
  initialA?: string;
  initialB?: string;
  score?: (text: string) => ScoredText;
}

function liteScore(text: string): ScoredText {
  const { target, cvRmse } = predictLite(text);
  return { target, standardError: cvRmse };
}

const pct = (p: number) => `${Math.round(p * 100)}%`;

/** Two texts side by side with both scores and the Bradley–Terry probability that A reads easier. */
export function CompareTexts({
  initialA = '',
  initialB = '',
  score = liteScore,
}: CompareTextsProps) {
  const [a, setA] = useState(initialA);
  const [b, setB] = useState(initialB);
  const id = useId();
  const scoreA = useMemo(() => (a.trim() ? score(a) : null), [a, score]);
  const scoreB = useMemo(() => (b.trim() ? score(b) : null), [b, score]);
  const result = scoreA && scoreB ? compareTexts(scoreA, scoreB) : null;
  const column = (name: string, value: string, set: (v: string) => void, s: ScoredText | null) => (
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
        Score {name}: {s ? `${s.target.toFixed(2)} ± ${s.standardError.toFixed(2)}` : '—'}
      </p>
    </div>
  );
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Compare two texts</h2>
      <div style={{ display: 'flex', gap: '1em' }}>
        {column('A', a, setA, scoreA)}
        {column('B', b, setB, scoreB)}
      </div>
      {result ? (
        <div aria-live="polite">
          <p>
            <strong>P(A reads easier than B) = {pct(result.probability)}</strong> (95% interval{' '}
            {pct(result.interval[0])}–{pct(result.interval[1])}).
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
            CommonLit&apos;s target is a Bradley–Terry easiness, so P = σ(score A − score B),
            averaged over the uncertainty of both scores (difference {result.difference.toFixed(2)}{' '}
            ± {result.differenceSe.toFixed(2)}).
          </p>
        </div>
      ) : (
        <p>Enter both texts to compare them.</p>
      )}
    </section>
  );
}
