import { useEffect, useMemo, useState } from 'react';
import { autoBackend, listDtypeFiles } from '../engine/client.ts';
import { defaultDtype } from '../engine/dtypes.ts';
import type { LoadOptions } from '../engine/protocol.ts';
import { useKeepCalibrated } from './hooks/useCalibration.ts';
import { useEngine } from './hooks/useEngine.ts';
import { HeadsContext, useHeadsState } from './hooks/useHeads.ts';
import { readChoices, writeChoices } from './urlState.ts';
import { CompareView } from './views/CompareView.tsx';
import { EngineStatus } from './views/EngineStatus.tsx';
import { ModelPicker } from './views/ModelPicker.tsx';
import { BatchView } from './views/batch/BatchView.tsx';
import { FitView } from './views/batch/FitView.tsx';
import { ReadView } from './views/read/ReadView.tsx';

export const SAMPLE_TEXT =
  'When the young people returned to the ballroom, it presented a decidedly changed appearance. ' +
  'Instead of an interior scene, it was a winter landscape. The floor was covered with snow-white ' +
  'canvas, not laid on smoothly, but rumpled over bumps and hillocks, like a real snow field. The ' +
  'numerous palms and evergreens that had decorated the room were powdered with flour and strewn ' +
  'with tufts of cotton, like snow. Also diamond dust had been lightly sprinkled on them, and ' +
  'glittering crystal icicles hung from the branches.';

const VIEWS = [
  { id: 'read', label: 'Read a text' },
  { id: 'compare', label: 'Compare two texts' },
  { id: 'batch', label: 'Score a file' },
  { id: 'fit', label: 'Fit heads' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

function viewFromUrl(): ViewId {
  const v = new URLSearchParams(location.search).get('view');
  return VIEWS.find((x) => x.id === v)?.id ?? 'read';
}

/** The load the URL asks for; a null dtype is the backend's default for the folder. */
type InitialChoices = Omit<LoadOptions, 'dtype'> & { dtype: LoadOptions['dtype'] | null };

/** The readscope page: model bar, view tabs, and the current view. */
export function App() {
  const engine = useEngine();
  const heads = useHeadsState();
  useKeepCalibrated(engine.status === 'ready' ? engine.info : null, heads);
  const { load, retry } = engine.actions;
  const initial = useMemo<InitialChoices>(() => {
    const c = readChoices(location.search);
    return { source: c.source, backend: c.backend, dtype: c.dtype };
  }, []);
  const [text, setText] = useState(SAMPLE_TEXT);
  const [view, setView] = useState<ViewId>(viewFromUrl);

  useEffect(() => {
    let isLive = true;
    void (async () => {
      // Without a dtype in the URL, the backend's default for what the folder holds (`auto` as it
      // resolves here); only WASM's default depends on the folder, so only then is it listed.
      const backend =
        initial.dtype === null && initial.backend === 'auto'
          ? await autoBackend()
          : initial.backend;
      const held =
        initial.dtype === null && backend === 'wasm'
          ? ((await listDtypeFiles(initial.source))?.map((f) => f.dtype) ?? null)
          : null;
      const dtype = initial.dtype ?? defaultDtype(backend, held);
      if (isLive) void load({ ...initial, dtype });
    })();
    return () => {
      isLive = false;
    };
  }, [load, initial]);

  const onLoad = (options: LoadOptions) => {
    if (options.source.kind !== 'files') {
      const c = readChoices(location.search);
      const search = writeChoices({
        ...c,
        source: options.source,
        backend: options.backend,
        dtype: options.dtype,
      });
      history.replaceState(null, '', `${search}&view=${view}`);
    }
    void load(options);
  };

  const selectView = (id: ViewId) => {
    setView(id);
    const q = new URLSearchParams(location.search);
    q.set('view', id);
    history.replaceState(null, '', `?${q.toString()}`);
  };

  return (
    <HeadsContext.Provider value={heads}>
      <header>
        <h1>readscope</h1>
        <p>
          How a transformer reads your text. Everything runs in this tab; the text never leaves it.
        </p>
      </header>
      <section className="model-bar" aria-label="Model">
        <ModelPicker initial={initial} busy={engine.status === 'loading'} onLoad={onLoad} />
        <EngineStatus engine={engine} onRetry={() => void retry()} />
      </section>
      <nav role="tablist" aria-label="Views">
        {VIEWS.map((v) => (
          <button
            key={v.id}
            role="tab"
            type="button"
            aria-selected={view === v.id}
            onClick={() => selectView(v.id)}
          >
            {v.label}
          </button>
        ))}
      </nav>
      <main role="tabpanel" aria-label={VIEWS.find((v) => v.id === view)?.label}>
        {view === 'read' && <ReadView text={text} onTextChange={setText} engine={engine} />}
        {view === 'compare' && <CompareView engine={engine} initialA={text} />}
        {view === 'batch' && <BatchView engine={engine} />}
        {view === 'fit' && <FitView engine={engine} />}
      </main>
    </HeadsContext.Provider>
  );
}
