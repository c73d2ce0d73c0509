import { useMemo } from 'react';
import { headFits } from '../../analysis/head.ts';
import {
  batchPoolingFor,
  loadedModel,
  predictBatch,
  tokenRequestFor,
} from '../../pipeline/scoring.ts';
import type { CompareScorer } from '../views/CompareTexts.tsx';
import type { useEngine } from './useEngine.ts';
import { useHeads } from './useHeads.ts';
import { useReadabilityClient } from './useReadability.ts';

/**
 * The best scorer the Compare view has, in the order the Read view's score panel follows: a
 * fine-tuned regression export's own output (its error is not known), else the active head on the
 * loaded encoder (its CV RMSE as the error), else the lite model in its worker. `scoredBy` names it.
 */
export function useCompareScorer(engine: ReturnType<typeof useEngine>): {
  score: CompareScorer;
  scoredBy: string;
} {
  const { embed } = engine.actions;
  const info = engine.status === 'ready' ? engine.info : null;
  const { active } = useHeads();
  const client = useReadabilityClient();
  return useMemo(() => {
    if (info?.isRegression) {
      return {
        scoredBy: `the fine-tuned regression output of ${info.modelId}, which states no error`,
        score: (text) =>
          embed([text], []).then((batch) => ({
            target: batch.scores![0],
            standardError: Number.NaN,
          })),
      };
    }
    const head = active?.head;
    if (info && head && headFits(head, loadedModel(info)).ok) {
      return {
        scoredBy: `the head “${active.name}” on ${info.modelId} (CV RMSE ${head.cvRmse.toFixed(2)})`,
        score: (text) =>
          embed([text], batchPoolingFor(head), undefined, undefined, tokenRequestFor([head])).then(
            (batch) => ({ target: predictBatch(head, batch)[0], standardError: head.cvRmse }),
          ),
      };
    }
    return {
      scoredBy: info
        ? `the lite model: no head fits ${info.modelId} (fit one in “Fit heads”)`
        : 'the lite model, until an encoder with a head is loaded',
      score: (text, side) =>
        client
          .score(side, text)
          .then(({ lite }) => ({ target: lite.target, standardError: lite.cvRmse })),
    };
  }, [info, active, embed, client]);
}
