/// <reference lib="webworker" />
/**
 * The benchmark's own worker in Chromium: the session-level variants on onnxruntime-web (WASM),
 * set up exactly as the app's worker sets up ORT. Request `{ model, threads, texts, reps }`,
 * answer `{ rows }` or `{ error }`.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { loadModelFiles } from '../../src/engine/load.ts';
import type { OrtModule } from '../../src/engine/session.ts';
import { measureVariants } from './variants.ts';

declare const self: DedicatedWorkerGlobalScope;

ort.env.wasm.wasmPaths = {
  wasm: new URL('/ort/ort-wasm-simd-threaded.asyncify.wasm', self.location.origin).href,
};
ort.env.wasm.proxy = false;

self.onmessage = async (
  e: MessageEvent<{ model: string; threads: number; texts: string[]; reps: number }>,
) => {
  const { model, threads, texts, reps } = e.data;
  try {
    ort.env.wasm.numThreads = threads;
    const files = await loadModelFiles({ kind: 'served', path: model }, 'fp32', () => {});
    const rows = await measureVariants({
      ort: ort as unknown as OrtModule,
      onnx: files.onnx,
      tokenizer: files.tokenizer,
      config: files.config,
      backend: 'wasm',
      threads,
      texts,
      reps,
      log: (line) => console.log(line),
    });
    self.postMessage({ rows });
  } catch (err) {
    self.postMessage({
      error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err),
    });
  }
};
