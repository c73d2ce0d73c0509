import { useCompareScorer } from '../hooks/useCompareScorer.ts';
import type { useEngine } from '../hooks/useEngine.ts';
import { CompareTexts } from './CompareTexts.tsx';

/** The Compare view: two texts scored by the best scorer loaded (see `useCompareScorer`). */
export function CompareView({
  engine,
  initialA,
}: {
  engine: ReturnType<typeof useEngine>;
  initialA: string;
}) {
  const { score, scoredBy } = useCompareScorer(engine);
  return <CompareTexts initialA={initialA} score={score} scoredBy={scoredBy} />;
}
