import { useEffect, useMemo, useState } from 'react';
import type { EncodedText, LoadOptions } from '../engine/protocol.ts';
import { useEngine } from './hooks/useEngine.ts';
import { readChoices, writeChoices } from './urlState.ts';
import { EngineStatus } from './views/EngineStatus.tsx';
import { LayerSummary } from './views/LayerSummary.tsx';
import { ModelPicker } from './views/ModelPicker.tsx';

export const SAMPLE_TEXT =
  'When the young people returned to the ballroom, it presented a decidedly changed appearance. ' +
  'Instead of an interior scene, it was a winter landscape. The floor was covered with snow-white ' +
  'canvas, not laid on smoothly, but rumpled over bumps and hillocks, like a real snow field.';

const ENCODE_DELAY_MS = 300;

/** The readscope page. */
export function App() {
  const engine = useEngine();
  const { load, retry, encode } = engine.actions;
  const initial = useMemo<LoadOptions>(() => {
    const c = readChoices(location.search);
    return { source: c.source, backend: c.backend, dtype: c.dtype };
  }, []);
  const [text, setText] = useState(SAMPLE_TEXT);
  const [result, setResult] = useState<EncodedText | null>(null);

  useEffect(() => {
    void load(initial);
  }, [load, initial]);

  const onLoad = (options: LoadOptions) => {
    if (options.source.kind !== 'files') {
      const c = readChoices(location.search);
      history.replaceState(
        null,
        '',
        writeChoices({
          ...c,
          source: options.source,
          backend: options.backend,
          dtype: options.dtype,
        }),
      );
    }
    void load(options);
  };

  const ready = engine.status === 'ready';
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
    <main>
      <header>
        <h1>readscope</h1>
        <p>
          How a transformer reads your text. Everything runs in this tab; the text never leaves it.
        </p>
      </header>
      <label className="text-input">
        Text
        <textarea value={text} onChange={(e) => setText(e.target.value)} rows={6} />
      </label>
      <ModelPicker initial={initial} busy={engine.status === 'loading'} onLoad={onLoad} />
      <EngineStatus engine={engine} onRetry={() => void retry()} />
      {ready && result && <LayerSummary result={result} />}
    </main>
  );
}
