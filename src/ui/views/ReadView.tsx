import { useEffect, useState } from 'react';
import type { EncodedText } from '../../engine/protocol.ts';
import { predictLite } from '../../readability/lite.ts';
import { contributions, type SentenceContribution } from '../../readability/sentences.ts';
import type { useEngine } from '../hooks/useEngine.ts';
import { HardSentences } from './HardSentences.tsx';
import { LayerSummary } from './LayerSummary.tsx';
import { LiteScore } from './LiteScore.tsx';

const ENCODE_DELAY_MS = 300;

interface Props {
  text: string;
  onTextChange: (text: string) => void;
  engine: ReturnType<typeof useEngine>;
}

/** Paste a text: the no-download score at once, then every layer once the encoder is ready. */
export function ReadView({ text, onTextChange, engine }: Props) {
  const { encode } = engine.actions;
  const ready = engine.status === 'ready';
  const [result, setResult] = useState<EncodedText | null>(null);
  const [hard, setHard] = useState<SentenceContribution[]>([]);

  useEffect(() => {
    let live = true;
    void contributions(text, (t) => predictLite(t).target).then((c) => live && setHard(c));
    return () => {
      live = false;
    };
  }, [text]);

  useEffect(() => {
    if (!ready) return;
    let live = true;
    const timer = setTimeout(() => {
      encode(text)
        .then((r) => live && setResult(r))
        .catch(() => live && setResult(null));
    }, ENCODE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [ready, text, encode, engine.info]);

  return (
    <>
      <label className="text-input">
        Text (stays in this tab)
        <textarea value={text} onChange={(e) => onTextChange(e.target.value)} rows={8} />
      </label>
      <LiteScore text={text} />
      <HardSentences text={text} contributions={hard} source="lite model" />
      {ready && result && <LayerSummary result={result} />}
    </>
  );
}
