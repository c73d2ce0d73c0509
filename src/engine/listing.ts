/**
 * Which dtype files a model source holds, and how big each is, so the picker offers only what
 * can load. A picked folder lists itself; a served folder answers HEAD requests; the Hub lists a
 * repository folder through its API (`/api/models/<id>/tree/<revision>/onnx`). Runs on the page:
 * it reads metadata only, never a model.
 */
import { DTYPES, DTYPE_INFO, type Dtype } from './dtypes.ts';
import type { ModelSource } from './protocol.ts';

/** The Hub's default address, as transformers.js's `env.remoteHost` has it. */
const HUB_HOST = 'https://huggingface.co/';

/** One dtype file a source holds; `bytes` is null where the source does not say. */
export interface DtypeFile {
  dtype: Dtype;
  bytes: number | null;
}

/** One entry of the Hub's tree listing (only the fields read here). */
interface HubTreeEntry {
  type?: string;
  path?: string;
  size?: number;
  lfs?: { size?: number };
}

const byteCount = (value: string | null) => {
  const n = Number(value);
  return value !== null && Number.isFinite(n) && n >= 0 ? n : null;
};

/**
 * The dtype files of a source, in DTYPES order; null when the source cannot be listed (the Hub
 * API or the server did not answer), in which case every dtype stays on offer.
 */
export async function listDtypeFiles(
  source: ModelSource,
  fetchImpl: typeof fetch = fetch,
): Promise<DtypeFile[] | null> {
  switch (source.kind) {
    case 'files':
      return DTYPES.filter((d) => source.files[DTYPE_INFO[d].file]).map((d) => ({
        dtype: d,
        bytes: source.files[DTYPE_INFO[d].file].size,
      }));
    case 'served': {
      const base = typeof location === 'undefined' ? 'http://127.0.0.1/' : location.href;
      const folder = new URL(`${source.path.replace(/\/?$/, '/')}`, base);
      const answers = await Promise.all(
        DTYPES.map(async (dtype) => {
          const res = await fetchImpl(new URL(DTYPE_INFO[dtype].file, folder), {
            method: 'HEAD',
          }).catch(() => null);
          // A dev server answers a missing file with its index page.
          const isFile = res?.ok && !/text\/html/.test(res.headers.get('content-type') ?? '');
          return isFile ? { dtype, bytes: byteCount(res.headers.get('content-length')) } : null;
        }),
      );
      return answers.filter((a): a is DtypeFile => a !== null);
    }
    case 'hub': {
      const host = (source.host ?? HUB_HOST).replace(/\/?$/, '/');
      const revision = encodeURIComponent(source.revision ?? 'main');
      const url = new URL(`api/models/${source.id}/tree/${revision}/onnx`, host);
      try {
        const res = await fetchImpl(url);
        if (!res.ok) return null;
        const entries = (await res.json()) as HubTreeEntry[];
        if (!Array.isArray(entries)) return null;
        return DTYPES.flatMap((dtype) => {
          const entry = entries.find((e) => e.path === DTYPE_INFO[dtype].file);
          if (!entry) return [];
          return [{ dtype, bytes: entry.lfs?.size ?? entry.size ?? null }];
        });
      } catch {
        return null;
      }
    }
  }
}
