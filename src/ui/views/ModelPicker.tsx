import { useEffect, useState, type FormEvent } from 'react';
import { autoBackend, listDtypeFiles, type DtypeFile } from '../../engine/client.ts';
import { DTYPES, DTYPE_INFO, defaultDtype } from '../../engine/dtypes.ts';
import type { BackendChoice, Dtype, LoadOptions, ModelSource } from '../../engine/protocol.ts';

export const SERVED_MODELS = [
  'roberta-tiny',
  'roberta-tiny-mlm',
  'roberta-tiny-cls',
  'bert-tiny',
  'distilbert-tiny',
];

interface Props {
  /** The first choices; a null dtype is the backend's default for the folder. */
  initial: Omit<LoadOptions, 'dtype'> & { dtype: Dtype | null };
  busy: boolean;
  onLoad: (options: LoadOptions) => void;
}

/** Turns a picked folder into a files source keyed by path inside the model folder. */
export function filesSource(list: FileList): ModelSource | null {
  const files: Record<string, Blob> = {};
  let name = 'picked folder';
  for (const file of Array.from(list)) {
    const parts = (file.webkitRelativePath || file.name).split('/');
    if (parts.length > 1) name = parts[0];
    files[parts.slice(parts.length > 1 ? 1 : 0).join('/')] = file;
  }
  return Object.keys(files).length ? { kind: 'files', name, files } : null;
}

/** A file size as people read it: 1.2 MB, 476 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  const [value, unit] =
    bytes < 1e6 ? [bytes / 1e3, 'kB'] : bytes < 1e9 ? [bytes / 1e6, 'MB'] : [bytes / 1e9, 'GB'];
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/**
 * The dtype files a source holds, listed again when it changes (a Hub id once typing pauses);
 * null while unknown, or where the source cannot be listed: then every dtype is offered.
 */
function useDtypeFiles(source: ModelSource | null): DtypeFile[] | null {
  const [listed, setListed] = useState<{ key: string; files: DtypeFile[] | null } | null>(null);
  const key = !source
    ? ''
    : source.kind === 'hub'
      ? `hub:${source.host ?? ''}:${source.id}`
      : source.kind === 'served'
        ? `served:${source.path}`
        : `files:${source.name}:${Object.keys(source.files).length}`;
  useEffect(() => {
    if (!source || (source.kind === 'hub' && !source.id)) return;
    let live = true;
    const timer = setTimeout(
      () =>
        void listDtypeFiles(source).then((files) => {
          if (live) setListed({ key, files });
        }),
      source.kind === 'hub' ? 400 : 0,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // The key names the source; the object itself is rebuilt on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return listed?.key === key ? listed.files : null;
}

/** Where the model comes from (Hub id, served folder, folder on disk), backend and dtype. */
/** The backend choice with `auto` resolved in this browser (`auto` itself until that is known). */
function useResolvedBackend(backend: BackendChoice): BackendChoice {
  const [auto, setAuto] = useState<'webgpu' | 'wasm' | null>(null);
  useEffect(() => {
    if (backend !== 'auto' || auto) return;
    let live = true;
    void autoBackend().then((b) => live && setAuto(b));
    return () => {
      live = false;
    };
  }, [backend, auto]);
  return backend === 'auto' ? (auto ?? 'auto') : backend;
}

export function ModelPicker({ initial, busy, onLoad }: Props) {
  const [kind, setKind] = useState<ModelSource['kind']>(initial.source.kind);
  const [hubId, setHubId] = useState(
    initial.source.kind === 'hub' ? initial.source.id : 'Xenova/roberta-base',
  );
  const [served, setServed] = useState(
    initial.source.kind === 'served' ? initial.source.path : '/models/roberta-tiny',
  );
  const [picked, setPicked] = useState<ModelSource | null>(null);
  const [backend, setBackend] = useState<BackendChoice>(initial.backend);
  // Null until the user picks one: then the backend's default for what the source holds.
  const [dtype, setDtype] = useState<Dtype | null>(initial.dtype);
  const host = initial.source.kind === 'hub' ? initial.source.host : undefined;

  const source: ModelSource | null =
    kind === 'hub'
      ? { kind, id: hubId.trim(), ...(host ? { host } : {}) }
      : kind === 'served'
        ? { kind, path: served }
        : picked;

  const files = useDtypeFiles(source);
  const resolved = useResolvedBackend(backend);
  // Offer what the source holds; when it cannot be listed, every dtype.
  const offered: DtypeFile[] = files?.length
    ? files
    : DTYPES.map((d) => ({ dtype: d, bytes: null }));
  const wanted = dtype ?? defaultDtype(resolved, files?.length ? files.map((f) => f.dtype) : null);
  const chosen = offered.some((f) => f.dtype === wanted)
    ? wanted
    : (offered.find((f) => f.dtype === 'fp32') ?? offered[0]).dtype;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (source) onLoad({ source, backend, dtype: chosen });
  };

  return (
    <form className="model-picker" onSubmit={submit} aria-label="Model">
      <label>
        Source
        <select value={kind} onChange={(e) => setKind(e.target.value as ModelSource['kind'])}>
          <option value="hub">Hugging Face Hub</option>
          <option value="served">Bundled test model</option>
          <option value="files">Folder on this device</option>
        </select>
      </label>
      {kind === 'hub' && (
        <label>
          Model id
          <input value={hubId} onChange={(e) => setHubId(e.target.value)} spellCheck={false} />
        </label>
      )}
      {kind === 'served' && (
        <label>
          Model
          <select value={served} onChange={(e) => setServed(e.target.value)}>
            {SERVED_MODELS.map((m) => (
              <option key={m} value={`/models/${m}`}>
                {m}
              </option>
            ))}
            {/* A folder the app serves that the list does not name, as the URL gave it. */}
            {!SERVED_MODELS.some((m) => `/models/${m}` === served) && (
              <option value={served}>{served}</option>
            )}
          </select>
        </label>
      )}
      {kind === 'files' && (
        <label>
          Model folder (stays on this device)
          <input
            type="file"
            // @ts-expect-error webkitdirectory is not in React's input attributes
            webkitdirectory=""
            multiple
            onChange={(e) => setPicked(e.target.files ? filesSource(e.target.files) : null)}
          />
        </label>
      )}
      <label>
        Backend
        <select value={backend} onChange={(e) => setBackend(e.target.value as BackendChoice)}>
          <option value="auto">Auto (WebGPU, else WASM)</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM</option>
        </select>
      </label>
      <label>
        Precision
        <select
          value={chosen}
          onChange={(e) => setDtype(e.target.value as Dtype)}
          data-testid="dtype-choice"
        >
          {offered.map(({ dtype: d, bytes }) => (
            <option key={d} value={d}>
              {DTYPE_INFO[d].label}
              {bytes !== null ? ` · ${formatBytes(bytes)}` : ''}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy || !source || (kind === 'hub' && !hubId.trim())}>
        Load model
      </button>
    </form>
  );
}
