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
 * Scores texts one engine call each, stopping between calls once `signal` aborts. One batch of a
 * whole excerpt's variants holds the engine for seconds on a CPU (a 9-sentence excerpt: 5.5–7.5 s
 * for roberta-base on 2 threads), and the next text's reading would queue behind all of it.
 */
async function oneByOne(scorer: EncoderScorer, texts: string[], signal: AbortSignal) {
  const scores: number[] = [];
  for (const text of texts) {
    signal.throwIfAborted();
    scores.push((await scorer.scoreMany([text], signal))[0]);
  }
  return scores;
}

/**
 * Each sentence's leave-one-out contribution to the encoder's score of `text`. A newer text or
 * scorer aborts the older run between its engine calls. The last measure stays returned (with its
 * own text) while the next one runs.
 */
export function useEncoderSentences(
  scorer: EncoderScorer | null,
  text: string,
): EncoderSentences | null {
  const [done, setDone] = useState<EncoderSentences | null>(null);
  useEffect(() => {
    if (!scorer || !text.trim()) return;
    const stop = new AbortController();
    contributionsOfBatch(text, (texts) => oneByOne(scorer, texts, stop.signal))
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
