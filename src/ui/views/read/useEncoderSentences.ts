import { useEffect, useState } from 'react';
import { contributionsOfBatch, type SentenceContribution } from '../../../readability/sentences.ts';
import type { EncoderScorer } from '../../hooks/useEncoderScorer.ts';

/** The encoder's measure of one text's sentences, kept with the text and scorer it belongs to. */
export interface EncoderSentences {
  text: string;
  scorer: EncoderScorer;
  contributions: SentenceContribution[] | null;
  error: string | null;
}

/**
 * Each sentence's leave-one-out contribution to the encoder's score of `text`: the text and every
 * variant of it go to the engine as one batch run. A newer text or scorer aborts the older run.
 * The last measure stays returned (with its own text) while the next one runs.
 */
export function useEncoderSentences(
  scorer: EncoderScorer | null,
  text: string,
): EncoderSentences | null {
  const [done, setDone] = useState<EncoderSentences | null>(null);
  useEffect(() => {
    if (!scorer || !text.trim()) return;
    const stop = new AbortController();
    contributionsOfBatch(text, (texts) => scorer.scoreMany(texts, stop.signal))
      .then((contributions) => setDone({ text, scorer, contributions, error: null }))
      .catch((e: unknown) => {
        if (stop.signal.aborted) return;
        const error = e instanceof Error ? e.message : String(e);
        setDone({ text, scorer, contributions: null, error });
      });
    return () => stop.abort();
  }, [scorer, text]);
  return scorer && done?.scorer === scorer ? done : null;
}
