/**
 * The engine in Node: onnxruntime-node on the CPU (or its WebGPU provider, for the GPU bench),
 * model folders read from disk. Used by the integration tests, the CLI and the benchmark; the
 * pipeline itself is the browser's.
 */
import { openAsBlob } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { DTYPES, DTYPE_INFO } from './dtypes.ts';
import { Engine, type LoadStage } from './engine.ts';
import { EngineError } from './errors.ts';
import type { FileStore, ProgressFn } from './download.ts';
import type { Dtype, ModelSource } from './protocol.ts';
import type { OrtModule } from './session.ts';

/** Lists every file under a model folder as lazily-read Blobs, keyed by relative path. */
export async function folderSource(dir: string): Promise<ModelSource> {
  const files: Record<string, Blob> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files[relative(dir, full).split(sep).join('/')] = await openAsBlob(full);
  }
  return { kind: 'files', name: basename(dir), files };
}

/**
 * Hub files kept on disk, so a second run reads the model from there instead of downloading it
 * again (as the browser's Cache API store does). A file of `<id>/resolve/<revision>/<file>` lies at
 * `<dir>/<id>/<file>` (`<dir>/<id>/<revision>/<file>` for a revision other than main), where
 * transformers.js keeps the tokenizer files, so one folder holds the whole model; any other URL at
 * `<dir>/<host>/<path>`. A file is written whole under a temporary name and then renamed, so a run
 * stopped half-way never leaves a partial model behind. A file that cannot be written is reported
 * to `onError` and the run goes on with the downloaded bytes.
 */
export function diskStore(dir: string, onError: (message: string) => void = () => {}): FileStore {
  const pathOf = (url: string) => {
    const { host, pathname } = new URL(url); // the parser has already resolved any `..`
    const hub = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(pathname);
    const parts = hub
      ? [hub[1], ...(hub[2] === 'main' ? [] : [hub[2]]), hub[3]]
      : [host.replace(/[^\w.-]/g, '_'), pathname];
    return join(dir, ...parts.flatMap((p) => p.split('/').filter(Boolean)));
  };
  return {
    async match(url) {
      const path = pathOf(url);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) return undefined;
      return new Response(await openAsBlob(path), {
        headers: { 'content-length': String(info.size) },
      });
    },
    async put(url, response) {
      const path = pathOf(url);
      const part = `${path}.${process.pid}.part`;
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(part, new Uint8Array(await response.arrayBuffer()));
        await rename(part, path);
      } catch (e) {
        await unlink(part).catch(() => undefined);
        const why = e instanceof Error ? e.message : String(e);
        onError(`could not keep ${url} in ${dir} (${why}); the next run downloads it again`);
      }
    },
  };
}

/**
 * Loads a model in Node on onnxruntime-node's CPU provider, or on its WebGPU provider (Dawn; on
 * Linux it needs a Vulkan loader and driver) with `backend: 'webgpu'`.
 */
export async function loadNodeEngine(
  source: ModelSource,
  options: {
    dtype?: Dtype;
    threads?: number;
    /** `cpu` (the default) or `webgpu`; WebGPU takes the dtypes dtypes.ts lists for it. */
    backend?: 'cpu' | 'webgpu';
    onProgress?: ProgressFn;
    onStage?: (s: LoadStage) => void;
    /**
     * A folder that keeps a Hub model's files between runs (the ONNX file through `diskStore`,
     * the tokenizer files through transformers.js's own file cache); none by default.
     */
    cache?: { dir: string; onError?: (message: string) => void };
  } = {},
): Promise<Engine> {
  const { cache, backend = 'cpu', dtype = 'fp32' } = options;
  if (!DTYPE_INFO[dtype].backends.includes(backend)) {
    throw new EngineError(
      'session',
      `${dtype} models do not run on onnxruntime-node's ${backend} provider; choose one of ${DTYPES.filter((d) => DTYPE_INFO[d].backends.includes(backend)).join(', ')}.`,
    );
  }
  // transformers.js would otherwise keep the tokenizer files beside its own install.
  if (cache) env.cacheDir = cache.dir;
  return Engine.load(
    { source, backend: backend === 'webgpu' ? 'webgpu' : 'wasm', dtype },
    {
      ort: ort as unknown as OrtModule,
      backend,
      threads: options.threads ?? availableParallelism(),
      store: cache ? diskStore(cache.dir, cache.onError) : null,
    },
    options.onProgress ?? (() => {}),
    options.onStage,
  );
}
