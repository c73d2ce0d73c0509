import { useMemo } from 'react';
import type { CompareScorer } from '../views/CompareTexts.tsx';
import { useEncoderScorer } from './useEncoderScorer.ts';
import type { useEngine } from './useEngine.ts';
import { useReadabilityClient } from './useReadability.ts';

/**
 * The best scorer the Compare view has: the encoder's (`useEncoderScorer`), else the lite model in
 * its worker. `scoredBy` names it.
 */
export function useCompareScorer(engine: ReturnType<typeof useEngine>): {
  score: CompareScorer;
  scoredBy: string;
} {
  const encoder = useEncoderScorer(engine);
  const client = useReadabilityClient();
  const modelId = engine.status === 'ready' ? engine.info?.modelId : null;
  return useMemo(() => {
    if (encoder) {
      const { label, standardError } = encoder;
      return {
        scoredBy: Number.isFinite(standardError)
          ? `${label} (CV RMSE ${standardError.toFixed(2)})`
          : `${label}, which states no error`,
        score: (text) =>
          encoder.scoreMany([text]).then((scores) => ({ target: scores[0], standardError })),
      };
    }
    return {
      scoredBy: modelId
        ? `the lite model: no head fits ${modelId} (fit one in “Fit heads”)`
        : 'the lite model, until an encoder with a head is loaded',
      score: (text, side) =>
        client
          .score(side, text)
          .then(({ lite }) => ({ target: lite.target, standardError: lite.cvRmse })),
    };
  }, [encoder, modelId, client]);
}
