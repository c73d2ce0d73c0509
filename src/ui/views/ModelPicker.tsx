import { useState, type FormEvent } from 'react';
import type { BackendChoice, Dtype, LoadOptions, ModelSource } from '../../engine/protocol.ts';

export const SERVED_MODELS = [
  'roberta-tiny',
  'roberta-tiny-mlm',
  'roberta-tiny-cls',
  'bert-tiny',
  'distilbert-tiny',
];

interface Props {
  initial: LoadOptions;
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

/** Where the model comes from (Hub id, served folder, folder on disk), backend and dtype. */
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
  const [dtype, setDtype] = useState<Dtype>(initial.dtype);
  const host = initial.source.kind === 'hub' ? initial.source.host : undefined;

  const source: ModelSource | null =
    kind === 'hub'
      ? { kind, id: hubId.trim(), ...(host ? { host } : {}) }
      : kind === 'served'
        ? { kind, path: served }
        : picked;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (source) onLoad({ source, backend, dtype });
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
        <select value={dtype} onChange={(e) => setDtype(e.target.value as Dtype)}>
          <option value="fp32">fp32</option>
          <option value="fp16">fp16 (WebGPU with shader-f16)</option>
          <option value="q8">q8 (WASM)</option>
        </select>
      </label>
      <button type="submit" disabled={busy || !source || (kind === 'hub' && !hubId.trim())}>
        Load model
      </button>
    </form>
  );
}
