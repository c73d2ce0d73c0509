/**
 * Model, backend, dtype, layer and strategy choices live in the URL so a view can be shared.
 * The text itself never does: it stays on the device.
 */
import { isDtype } from '../engine/dtypes.ts';
import type { BackendChoice, Dtype, ModelSource } from '../engine/protocol.ts';

export const DEFAULT_HUB_MODEL = 'Xenova/roberta-base';

export interface UrlChoices {
  source: Exclude<ModelSource, { kind: 'files' }>;
  backend: BackendChoice;
  /** Null where the URL names none: the backend's default for the folder (dtypes.ts). */
  dtype: Dtype | null;
  layer: number | null;
  strategy: string | null;
}

const BACKENDS: BackendChoice[] = ['auto', 'webgpu', 'wasm'];

/** Reads the choices from a query string, falling back to defaults for anything unknown. */
export function readChoices(search: string): UrlChoices {
  const q = new URLSearchParams(search);
  const model = q.get('model') ?? DEFAULT_HUB_MODEL;
  const source: UrlChoices['source'] =
    q.get('source') === 'served'
      ? { kind: 'served', path: model }
      : { kind: 'hub', id: model, ...(q.get('host') ? { host: q.get('host')! } : {}) };
  const backend = q.get('backend') as BackendChoice;
  const dtype = q.get('dtype');
  const layer = Number.parseInt(q.get('layer') ?? '', 10);
  return {
    source,
    backend: BACKENDS.includes(backend) ? backend : 'auto',
    dtype: isDtype(dtype) ? dtype : null,
    layer: Number.isFinite(layer) ? layer : null,
    strategy: q.get('strategy'),
  };
}

/** Writes the choices into a query string (no text, ever). */
export function writeChoices(c: UrlChoices): string {
  const q = new URLSearchParams();
  q.set('source', c.source.kind);
  q.set('model', c.source.kind === 'hub' ? c.source.id : c.source.path);
  if (c.source.kind === 'hub' && c.source.host) q.set('host', c.source.host);
  q.set('backend', c.backend);
  if (c.dtype) q.set('dtype', c.dtype);
  if (c.layer !== null) q.set('layer', String(c.layer));
  if (c.strategy) q.set('strategy', c.strategy);
  return `?${q.toString()}`;
}
