import { useEffect, useState } from 'react';
import type { SentenceContribution } from '../../readability/sentences.ts';
import { ReadabilityClient, SupersededError } from '../workers/readabilityClient.ts';
import type { TextScores } from '../workers/readabilityProtocol.ts';

/** A readability worker client for this component's lifetime (the worker starts on first use). */
export function useReadabilityClient(): ReadabilityClient {
  const [client] = useState(() => new ReadabilityClient());
  useEffect(() => () => client.reset(), [client]);
  return client;
}

/** One text's hard sentences, kept with the text their offsets point into. */
export interface HardSentencesOf {
  text: string;
  contributions: SentenceContribution[];
}

/** The no-download scores of a text as they arrive; each may still belong to an earlier text. */
export interface TextReadability {
  scores: TextScores | null;
  hard: HardSentencesOf | null;
  error: string | null;
}

const NOTHING: TextReadability = { scores: null, hard: null, error: null };

/**
 * The lite score, formulas and (with `withSentences`) hard sentences of `text`, computed in the
 * readability worker. Only the newest text is worked on; results stay until newer ones replace
 * them, so compare `scores.text` with the text to know whether they are current.
 */
export function useTextReadability(
  client: ReadabilityClient,
  text: string,
  { channel = 'text', withSentences = false }: { channel?: string; withSentences?: boolean } = {},
): TextReadability {
  const [state, setState] = useState<TextReadability>(NOTHING);
  useEffect(() => {
    let live = true;
    const onSentences = withSentences
      ? (t: string, contributions: SentenceContribution[]) =>
          live && setState((s) => ({ ...s, hard: { text: t, contributions } }))
      : undefined;
    client
      .score(channel, text, onSentences)
      .then((scores) => live && setState((s) => ({ ...s, scores, error: null })))
      .catch((e: unknown) => {
        if (!live || e instanceof SupersededError) return;
        setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) }));
      });
    return () => {
      live = false;
    };
  }, [client, text, channel, withSentences]);
  return state;
}
