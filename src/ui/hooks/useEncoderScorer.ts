import { useMemo } from 'react';
import {
  batchPoolingFor,
  encoderSource,
  predictBatch,
  tokenRequestFor,
} from '../../pipeline/scoring.ts';
import type { useEngine } from './useEngine.ts';
import { useHeads } from './useHeads.ts';

/** What scores texts on the loaded encoder, as the Read view's score panel does. */
export interface EncoderScorer {
  /** What it is, e.g. `the head “Mean L8” on Xenova/roberta-base`. */
  label: string;
  /** Its error as a CV RMSE; NaN for a fine-tuned export, which states none. */
  standardError: number;
  /** Scores texts in one batch run, in order. */
  scoreMany(texts: string[], signal?: AbortSignal): Promise<ArrayLike<number>>;
}

/**
 * The encoder's scorer, chosen as the Read view's score panel chooses (`encoderSource`); null when
 * there is none (no model, or no head that fits).
 */
export function useEncoderScorer(engine: ReturnType<typeof useEngine>): EncoderScorer | null {
  const { embed } = engine.actions;
  const info = engine.status === 'ready' ? engine.info : null;
  const { active } = useHeads();
  return useMemo(() => {
    if (!info) return null;
    const source = encoderSource(info, active);
    if (source.kind === 'regression') {
      return {
        label: `the fine-tuned regression output of ${info.modelId}`,
        standardError: Number.NaN,
        scoreMany: (texts, signal) =>
          embed(texts, [], undefined, signal).then((batch) => batch.scores!),
      };
    }
    if (source.kind === 'none') return null;
    const { head, name } = source.active;
    return {
      label: `the head “${name}” on ${info.modelId}`,
      standardError: head.cvRmse,
      scoreMany: (texts, signal) =>
        embed(texts, batchPoolingFor(head), undefined, signal, tokenRequestFor([head])).then(
          (batch) => predictBatch(head, batch),
        ),
    };
  }, [info, active, embed]);
}
