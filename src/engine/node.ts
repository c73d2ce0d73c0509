/**
 * The engine in Node: onnxruntime-node on the CPU, model folders read from disk. Used by the
 * integration tests, the CLI and the benchmark; the pipeline itself is the browser's.
 */
import { openAsBlob } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Engine, type LoadStage } from './engine.ts';
import type { ProgressFn } from './load.ts';
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

/** Loads a model in Node on onnxruntime-node's CPU backend. */
export async function loadNodeEngine(
  source: ModelSource,
  options: {
    dtype?: Dtype;
    threads?: number;
    onProgress?: ProgressFn;
    onStage?: (s: LoadStage) => void;
  } = {},
): Promise<Engine> {
  return Engine.load(
    { source, backend: 'wasm', dtype: options.dtype ?? 'fp32' },
    {
      ort: ort as unknown as OrtModule,
      backend: 'cpu',
      threads: options.threads ?? availableParallelism(),
    },
    options.onProgress ?? (() => {}),
    options.onStage,
  );
}
